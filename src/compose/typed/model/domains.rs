//! The types of `x-aws-domain` and `x-aws-hosted_zone`, read by `typed::domains`.

use super::text::Text;

/// The project's domains.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Domains {
    /// Every domain name served, in service then document order.
    pub names: Vec<Domain>,
    /// `x-aws-hosted_zone`.
    pub zone: Option<Zone>,
}

/// One domain name and the service it names.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    /// The name, lower case, without a trailing dot (`shop.example.com`, `*.example.com`).
    pub name: String,
    /// The service it names.
    pub service: String,
    /// Where it was written (`services.web.x-aws-domain[0]`).
    pub path: String,
}

/// A Route 53 hosted zone.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    /// A hosted zone ID (`Z0123456789ABC`), or an intrinsic function giving one.
    Id(Text),
    /// A zone name, with its trailing dot (`example.com.`).
    Name(String),
}
