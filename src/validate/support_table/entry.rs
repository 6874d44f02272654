//! One row of the support table ([`Entry`]), its [`Fate`], and the `const` builders the
//! table's files write rows with.

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

pub(super) const fn mapped(path: &'static str, target: &'static str, note: &'static str) -> Entry {
    Entry {
        path,
        fate: Fate::Mapped,
        target,
        note,
    }
}

pub(super) const fn warned(path: &'static str, note: &'static str) -> Entry {
    Entry {
        path,
        fate: Fate::Warned,
        target: "",
        note,
    }
}

pub(super) const fn rejected(path: &'static str, note: &'static str) -> Entry {
    Entry {
        path,
        fate: Fate::Rejected,
        target: "",
        note,
    }
}

/// A property of the service's container definition.
macro_rules! container {
    ($property:literal) => {
        concat!(
            "AWS::ECS::TaskDefinition ContainerDefinitions[].",
            $property
        )
    };
}
pub(super) use container;
