/**
 * One resource budget for the connector: how much of each bounded resource (buffered bytes, synthetic names, DNS
 * queries in flight, DNS-over-TCP sessions) one client and the whole connector may hold. Plain Java: the protocol
 * libraries take an {@link dev.pinhole.budget.Allowance} and know nothing of who enforces it.
 */
package dev.pinhole.budget;
