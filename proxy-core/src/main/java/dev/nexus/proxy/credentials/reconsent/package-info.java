/**
 * Re-consent a human can act on (protocol 0.4): {@link dev.nexus.proxy.credentials.reconsent.ReconsentingLeases}
 * wraps the lease cache, starts a new consent when a configured connection needs attention, hands its link to
 * agents and switches the connection once the human approved. State lives in a
 * {@link dev.nexus.proxy.credentials.reconsent.ConsentStore} (Redis when replicas share one).
 */
package dev.nexus.proxy.credentials.reconsent;
