//! Application variables and the `{{ name }}` templates that use them.
//!
//! As in Spin: application variables are declared in `[variables]` with a default or
//! as `required`; a value supplied in the environment as `SPIN_VARIABLE_<NAME>` (the
//! name upper-cased) overrides the default. Components never see application
//! variables directly: each component declares its own variables as templates over
//! them (`[component.x.variables] base = "{{ moderngov_origin }}"`) and reads them
//! through `wasi:config/store`. Templates are also allowed in `allowed_outbound_hosts`.

use std::collections::BTreeMap;

use crate::manifest::{ComponentDecl, Manifest};

/// A string with `{{ variable }}` placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Variable(String),
}

impl Template {
    /// Parses a template; `{{` must be closed by `}}` around a variable name.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(TemplateError::Unclosed {
                    template: text.to_string(),
                });
            };
            let name = after[..end].trim();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(TemplateError::NotAVariableName {
                    template: text.to_string(),
                    name: name.to_string(),
                });
            }
            parts.push(Part::Variable(name.to_string()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Self { parts })
    }

    /// The variables the template uses.
    pub fn variable_names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Variable(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Fills the template from resolved application variables.
    pub fn render(&self, values: &ResolvedVariables) -> Result<String, VariableError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Variable(name) => out.push_str(values.get(name)?),
            }
        }
        Ok(out)
    }
}

/// Errors parsing a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Occurs when a `{{` has no `}}` after it.
    #[error("`{template}`: `{{{{` is not closed by `}}}}`")]
    Unclosed {
        /// The whole template.
        template: String,
    },
    /// Occurs when what stands between `{{` and `}}` is not a variable name
    /// (lowercase letters, digits and underscores).
    #[error("`{template}`: `{name}` is not a variable name")]
    NotAVariableName {
        /// The whole template.
        template: String,
        /// What stands where the name should be.
        name: String,
    },
}

/// Errors resolving variables.
#[derive(Debug, thiserror::Error)]
pub enum VariableError {
    /// Occurs when a required variable has no value in the environment.
    #[error(
        "variable `{name}` is required: set the environment variable SPIN_VARIABLE_{upper}",
        upper = name.to_uppercase()
    )]
    Missing {
        /// The variable's name.
        name: String,
    },
    /// Occurs when a template names a variable the application does not declare.
    #[error("variable `{name}` is not declared in `[variables]`")]
    Undeclared {
        /// The variable's name.
        name: String,
    },
    /// Occurs when a secret's value has a line break inside it (after trailing
    /// whitespace is removed): a header built from it could be split, so the host
    /// refuses to start rather than pass it on.
    #[error(
        "secret variable `{name}` (SPIN_VARIABLE_{upper}) contains a line break; \
         secrets must be one line",
        upper = name.to_uppercase()
    )]
    SecretWithLineBreak {
        /// The variable's name.
        name: String,
    },
}

/// Application variables with their runtime values.
#[derive(Clone, Default)]
pub struct ResolvedVariables {
    values: BTreeMap<String, Option<String>>,
    secret: BTreeMap<String, bool>,
}

impl std::fmt::Debug for ResolvedVariables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach logs or panics.
        let mut map = f.debug_map();
        for (name, value) in &self.values {
            if self.secret.get(name).copied().unwrap_or(false) {
                map.entry(name, &"<secret>");
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

impl ResolvedVariables {
    /// Resolves every application variable from `SPIN_VARIABLE_*` in `env`, falling
    /// back to defaults. A required variable with no value is only an error when it is
    /// used (as in Spin), so that apps can be inspected without every secret.
    ///
    /// Secrets lose their trailing whitespace: a secret mounted from a file (a
    /// Kubernetes Secret, `$(cat token)`) ends in a newline that nobody means, and
    /// a token compared with it would never match. A secret with a line break left
    /// inside is refused ([`VariableError::SecretWithLineBreak`]).
    pub fn resolve(
        manifest: &Manifest,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, VariableError> {
        let mut values = BTreeMap::new();
        let mut secret = BTreeMap::new();
        for (name, decl) in &manifest.variables {
            let from_env = env(&format!("SPIN_VARIABLE_{}", name.to_uppercase()));
            let mut value = from_env.or_else(|| decl.default.clone());
            if decl.secret
                && let Some(text) = &mut value
            {
                text.truncate(text.trim_end().len());
                if text.contains(['\r', '\n']) {
                    return Err(VariableError::SecretWithLineBreak { name: name.clone() });
                }
            }
            values.insert(name.clone(), value);
            secret.insert(name.clone(), decl.secret);
        }
        Ok(Self { values, secret })
    }

    /// Resolves from the process environment.
    pub fn from_process_env(manifest: &Manifest) -> Result<Self, VariableError> {
        Self::resolve(manifest, |key| std::env::var(key).ok())
    }

    /// Whether a variable is declared secret.
    pub fn is_secret(&self, name: &str) -> bool {
        self.secret.get(name).copied().unwrap_or(false)
    }

    /// The value of an application variable.
    pub fn get(&self, name: &str) -> Result<&str, VariableError> {
        match self.values.get(name) {
            Some(Some(value)) => Ok(value),
            Some(None) => Err(VariableError::Missing {
                name: name.to_string(),
            }),
            None => Err(VariableError::Undeclared {
                name: name.to_string(),
            }),
        }
    }

    /// A component's variables, rendered.
    pub fn component_values(
        &self,
        component: &ComponentDecl,
    ) -> Result<BTreeMap<String, String>, VariableError> {
        component
            .variables
            .iter()
            .map(|(name, template)| Ok((name.clone(), template.render(self)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn templates_parse_and_render() {
        let manifest = Manifest::from_str(
            r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
host = { default = "example.org" }
token = { required = true, secret = true }
"#,
            Path::new("spin.toml"),
        )
        .unwrap();
        let values = ResolvedVariables::resolve(&manifest, |key| {
            (key == "SPIN_VARIABLE_HOST").then(|| "override.example".to_string())
        })
        .unwrap();
        let t = Template::parse("https://{{ host }}:443").unwrap();
        assert_eq!(t.render(&values).unwrap(), "https://override.example:443");
        let err = Template::parse("{{token}}")
            .unwrap()
            .render(&values)
            .unwrap_err();
        assert!(err.to_string().contains("SPIN_VARIABLE_TOKEN"), "{err}");
    }

    #[test]
    fn malformed_templates_are_rejected() {
        assert!(Template::parse("{{ host").is_err());
        assert!(Template::parse("{{ Host }}").is_err());
        assert!(Template::parse("{{}}").is_err());
    }

    #[test]
    fn secrets_are_not_printed() {
        let manifest = Manifest::from_str(
            r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
token = { default = "hunter2", secret = true }
"#,
            Path::new("spin.toml"),
        )
        .unwrap();
        let values = ResolvedVariables::resolve(&manifest, |_| None).unwrap();
        assert!(!format!("{values:?}").contains("hunter2"));
    }

    #[test]
    fn secrets_lose_trailing_newlines_and_refuse_inner_ones() {
        let manifest = Manifest::from_str(
            r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
token = { default = "", secret = true }
plain = { default = "" }
"#,
            Path::new("spin.toml"),
        )
        .unwrap();
        // As a Kubernetes Secret mounted from a file gives it.
        let values = ResolvedVariables::resolve(&manifest, |key| match key {
            "SPIN_VARIABLE_TOKEN" => Some("s3cret-token \r\n".into()),
            "SPIN_VARIABLE_PLAIN" => Some("kept as given \n".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(values.get("token").unwrap(), "s3cret-token");
        assert_eq!(values.get("plain").unwrap(), "kept as given \n");
        for bad in ["two\nlines", "a\rb", "x\r\ny\n"] {
            let err = ResolvedVariables::resolve(&manifest, |key| {
                (key == "SPIN_VARIABLE_TOKEN").then(|| bad.to_string())
            })
            .unwrap_err();
            assert!(err.to_string().contains("SPIN_VARIABLE_TOKEN"), "{err}");
            assert!(
                !err.to_string().contains(bad),
                "the error never echoes the secret"
            );
        }
    }
}
