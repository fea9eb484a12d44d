/** The custom resources' Java model: the only place that knows the YAML shape of AppConnector and IPSet. */
package dev.pinhole.api;
