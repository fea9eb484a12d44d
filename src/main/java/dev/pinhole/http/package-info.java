/** HTTP client pieces shared by the operator and the connector: reading bodies that a remote party controls. */
package dev.pinhole.http;
