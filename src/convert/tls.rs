//! The TLS settings every listener of the project shares: the load balancer's listeners
//! (`loadbalancer`) and the test listeners of blue/green-family deployments
//! (`deployments`).

/// The TLS policy of HTTPS and TLS listeners: TLS 1.3 and 1.2 only, forward secrecy.
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";
