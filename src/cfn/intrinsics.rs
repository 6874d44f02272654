//! Builders and predicates for intrinsic functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, ...).

use serde_json::{json, Map, Value};

/// `{"Ref": id}`.
pub fn ref_(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attribute]}`.
pub fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// `{"Fn::Sub": text}`.
pub fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// `{"Fn::Sub": [text, variables]}`, or the one-argument form when there are none.
pub fn sub_with(text: &str, variables: Map<String, Value>) -> Value {
    if variables.is_empty() {
        sub(text)
    } else {
        json!({ "Fn::Sub": [text, Value::Object(variables)] })
    }
}

/// An ARN built with `Fn::Sub` from `${AWS::Partition}`, never a literal `arn:aws:`.
/// `rest` follows `arn:${AWS::Partition}:`.
pub fn arn(rest: &str) -> Value {
    sub(&format!("arn:${{AWS::Partition}}:{rest}"))
}

/// True when `value` is an intrinsic function or a condition reference: a mapping with
/// exactly one key, `Ref`, `Condition` or `Fn::*`.
pub fn is_intrinsic(value: &Value) -> bool {
    match value {
        Value::Object(map) if map.len() == 1 => map
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::")),
        _ => false,
    }
}

/// Escapes literal text for use inside an `Fn::Sub` template: `${` becomes `${!`.
pub fn escape_sub(text: &str) -> String {
    text.replace("${", "${!")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_intrinsics() {
        assert!(is_intrinsic(&json!({"Ref": "X"})));
        assert!(is_intrinsic(&json!({"Fn::Sub": "x"})));
        assert!(!is_intrinsic(&json!({"Ref": "X", "Other": 1})));
        assert!(!is_intrinsic(&json!({"image": "x"})));
        assert!(!is_intrinsic(&json!("Ref")));
    }

    #[test]
    fn escapes_sub_syntax() {
        assert_eq!(escape_sub("a ${b} $c"), "a ${!b} $c");
    }
}
