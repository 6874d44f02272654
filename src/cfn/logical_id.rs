//! Logical ID naming rules. Generated IDs are `<Project><Name>`, where `<Name>` follows
//! compose-cli's scheme (`WebService`, `WebTCP80TargetGroup`, `DefaultNetwork`). They are a
//! public contract: users `!GetAtt` them; never rename without a migration note.

/// compose-cli's `normalize`: keep `[A-Za-z0-9]`, upper-case the first letter.
/// `front-tier` → `Fronttier`, `db_data` → `Dbdata`.
pub fn normalize(name: &str) -> String {
    let mut out: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if let Some(first) = out.get(0..1) {
        let upper = first.to_ascii_uppercase();
        out.replace_range(0..1, &upper);
    }
    out
}

/// The longest CloudFormation logical ID (of a resource, output or parameter).
pub const MAX_LEN: usize = 255;

/// True when `id` is a valid CloudFormation logical ID: `[A-Za-z0-9]{1,255}`.
pub fn is_valid(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_LEN && id.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_compose_cli() {
        assert_eq!(normalize("front-tier"), "Fronttier");
        assert_eq!(normalize("db-data"), "Dbdata");
        assert_eq!(normalize("my_svc"), "Mysvc");
        assert_eq!(normalize("subnet-0ab1"), "Subnet0ab1");
        assert_eq!(normalize("simple"), "Simple");
        assert_eq!(normalize("-_-"), "");
        assert_eq!(normalize("élan"), "Lan");
    }
}
