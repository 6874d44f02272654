//! The support table: the decided fate of every key the Compose specification defines,
//! plus the `x-aws-*` extensions. `validate::support` walks a Compose document with it,
//! and `docs/compose-support.md` is rendered from it (a test keeps the two equal).
//!
//! Paths are written from the Compose root: `*` stands for a name the user chooses (a
//! service, a network, an environment variable...), `[]` for the items of a list. A key
//! whose value may be a string or a mapping (`ports`, `build`, `depends_on.*`, ...) lists
//! the keys of its mapping form under it.
//!
//! Fates are applied by presence: a key set to its Compose default (`false`, `0`, an empty
//! list or mapping, `null`) requests nothing and gets no diagnostic.

/// What happens to a Compose key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fate {
    /// Converted to CloudFormation (`target` says where).
    Mapped,
    /// Ignored with a warning (`note` is the warning text).
    Warned,
    /// Rejected with an error (`note` is the error text).
    Rejected,
}

/// One row of the support table.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Path pattern from the Compose root, e.g. `services.*.ports[].host_ip`.
    pub path: &'static str,
    /// What happens to the key.
    pub fate: Fate,
    /// CloudFormation target (`AWS::ECS::TaskDefinition ContainerDefinitions[].User`), or "".
    pub target: &'static str,
    /// For `Warned`/`Rejected`: the message shown to the user, in the house style (lower
    /// case, no trailing period, keys in backticks, the fix when there is one). For
    /// `Mapped`: a short note for the docs (may be empty).
    pub note: &'static str,
}

/// Every key with its fate, in document order (top level, then each section).
pub static TABLE: &[Entry] = &[];
