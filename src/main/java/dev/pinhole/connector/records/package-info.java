/**
 * Flow, refusal and lookup records (docs/flow-records.md): versioned JSON lines on the connector's standard output,
 * apart from its log (standard error), for a security team's log pipeline. Forwarding threads hand finished values
 * to a bounded queue and never wait; one writer thread serialises them; what does not fit is dropped and counted.
 */
package dev.pinhole.connector.records;
