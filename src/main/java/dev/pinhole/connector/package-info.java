/**
 * The connector role: the data-plane process in each connector pod. It loads (and hot-reloads) the config the
 * operator renders, and serves health, readiness, metrics and status over HTTP. It needs no Kubernetes API access.
 */
package dev.pinhole.connector;
