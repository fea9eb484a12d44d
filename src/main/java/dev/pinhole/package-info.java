/**
 * Pinhole: an operator for app connectors. Libraries ({@code ipset}, {@code wireguard}, {@code netstack},
 * {@code nat}, {@code dns}) sit below {@code operator} and {@code connector} and never import Kubernetes or
 * Quarkus types.
 */
package dev.pinhole;
