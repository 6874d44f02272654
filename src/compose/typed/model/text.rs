//! A string value of the model: literal text, or an intrinsic function to emit as is.

use serde_json::Value;

/// A string value: literal text, or an intrinsic function to emit as is.
#[derive(Clone, Debug, PartialEq)]
pub enum Text {
    /// Literal text.
    Lit(String),
    /// An intrinsic function (`Ref`, `Fn::Sub`, ...), from the template or interpolation.
    Expr(Value),
}

impl Text {
    /// The value to emit in the template.
    pub fn to_json(&self) -> Value {
        match self {
            Text::Lit(s) => Value::String(s.clone()),
            Text::Expr(e) => e.clone(),
        }
    }

    /// The literal text, when it is one.
    pub fn as_lit(&self) -> Option<&str> {
        match self {
            Text::Lit(s) => Some(s),
            Text::Expr(_) => None,
        }
    }
}
