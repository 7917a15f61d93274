//! `allowed_outbound_hosts`: which destinations a component may send requests to.
//!
//! Each entry is `scheme://host[:port]`, as in Spin
//! (<https://spinframework.dev/v3/http-outbound#granting-http-permissions-to-components>):
//! `*` may stand for the scheme, the host, a leading run of subdomains
//! (`https://*.example.org`) or the port; a port may also be a range
//! (`http://localhost:8000..8010`); without a port the scheme's default (80 for
//! `http`, 443 for `https`) is meant. Entries may use `{{ variable }}` templates, which
//! are resolved when the application is loaded. A request to anything else is refused
//! with `wasi:http`'s `HTTP-request-denied` error, which the component sees as an
//! ordinary error.

use crate::variables::{ResolvedVariables, Template, TemplateError, VariableError};

/// One parsed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `*.example.org`: any host ending in `.example.org`.
    Subdomains(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    /// The scheme's default port.
    Default,
    Range(u16, u16),
}

/// Errors in allow-list entries.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// Occurs when an entry is not of the form `scheme://host[:port]`.
    #[error("`{entry}`: {reason}")]
    Malformed {
        /// The entry as written (after template resolution).
        entry: String,
        /// What is wrong.
        reason: String,
    },
    /// Occurs when an entry's template is malformed (the message names the entry).
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Occurs when a template in an entry cannot be resolved.
    #[error("`{entry}`: {source}")]
    Variable {
        /// The entry as written.
        entry: String,
        /// The variable problem.
        source: VariableError,
    },
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowedHost {
    /// Checks an entry as written in the manifest. Entries with templates are only
    /// checked for template syntax here; they are parsed fully once resolved.
    pub fn check_syntax(entry: &str) -> Result<(), OutboundError> {
        if entry.contains("{{") {
            Template::parse(entry)?;
        } else {
            Self::parse(entry)?;
        }
        Ok(())
    }

    /// Parses a resolved entry.
    pub fn parse(entry: &str) -> Result<Self, OutboundError> {
        let malformed = |reason: &str| OutboundError::Malformed {
            entry: entry.to_string(),
            reason: reason.to_string(),
        };
        let Some((scheme, rest)) = entry.split_once("://") else {
            return Err(malformed("expected `scheme://host[:port]`"));
        };
        if scheme.is_empty()
            || !(scheme == "*"
                || scheme
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-'))
        {
            return Err(malformed("the scheme must be lowercase, or `*`"));
        }
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains('/') {
            return Err(malformed("an allowed host cannot contain a path"));
        }
        let (host, port) = split_host_port(rest).map_err(malformed)?;
        if host.is_empty() {
            return Err(malformed("the host is empty"));
        }
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            if suffix.contains('*') || suffix.is_empty() {
                return Err(malformed("`*` may only replace leading subdomains"));
            }
            HostPattern::Subdomains(suffix.to_ascii_lowercase())
        } else if host.contains('*') {
            return Err(malformed(
                "`*` may only replace the whole host or leading subdomains",
            ));
        } else {
            HostPattern::Exact(host.to_ascii_lowercase())
        };
        let port = match port {
            None => {
                if scheme != "*" && default_port(scheme).is_none() {
                    return Err(malformed(
                        "a port is required for schemes other than http and https",
                    ));
                }
                PortPattern::Default
            }
            Some("*") => PortPattern::Any,
            Some(port) => {
                let parse = |p: &str| {
                    p.parse::<u16>()
                        .map_err(|_| malformed(&format!("`{p}` is not a port number")))
                };
                match port.split_once("..") {
                    Some((low, high)) => {
                        let (low, high) = (parse(low)?, parse(high)?);
                        if low > high {
                            return Err(malformed("the port range is empty"));
                        }
                        PortPattern::Range(low, high)
                    }
                    None => {
                        let p = parse(port)?;
                        PortPattern::Range(p, p)
                    }
                }
            }
        };
        Ok(Self {
            scheme: (scheme != "*").then(|| scheme.to_string()),
            host,
            port,
            text: entry.to_string(),
        })
    }

    /// Whether a request to `scheme://host:port` is allowed by this entry.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        if let Some(allowed) = &self.scheme
            && allowed != scheme
        {
            return false;
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(exact) => {
                exact.trim_start_matches('[').trim_end_matches(']') == host
            }
            HostPattern::Subdomains(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| head.ends_with('.') && head.len() > 1),
        };
        if !host_ok {
            return false;
        }
        let Some(port) = port.or_else(|| default_port(scheme)) else {
            return false;
        };
        match self.port {
            PortPattern::Any => true,
            PortPattern::Default => default_port(scheme) == Some(port),
            PortPattern::Range(low, high) => (low..=high).contains(&port),
        }
    }
}

/// Splits `host[:port]` (the host may be a bracketed IPv6 literal); the error is the
/// reason the text is malformed.
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), &'static str> {
    if let Some(rest) = text.strip_prefix('[') {
        // IPv6 literal: `[::1]:8080`.
        let Some(end) = rest.find(']') else {
            return Err("unclosed `[` in an IPv6 host");
        };
        let host = &text[..end + 2];
        let after = &rest[end + 1..];
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err("unexpected text after the IPv6 host"),
        };
    }
    Ok(match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    })
}

impl std::fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A component's resolved allow-list.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    entries: Vec<AllowedHost>,
}

impl AllowedHosts {
    /// Resolves templates and parses every entry.
    pub fn resolve(
        entries: &[String],
        variables: &ResolvedVariables,
    ) -> Result<Self, OutboundError> {
        let mut parsed = Vec::new();
        for entry in entries {
            let rendered = Template::parse(entry)?
                .render(variables)
                .map_err(|source| OutboundError::Variable {
                    entry: entry.clone(),
                    source,
                })?;
            parsed.push(AllowedHost::parse(&rendered)?);
        }
        Ok(Self { entries: parsed })
    }

    /// Whether a request URI is allowed.
    pub fn allows_uri(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return false;
        };
        self.entries
            .iter()
            .any(|entry| entry.allows(scheme, host, uri.port_u16()))
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(entry: &str, uri: &str) -> bool {
        let hosts = AllowedHosts {
            entries: vec![AllowedHost::parse(entry).unwrap()],
        };
        hosts.allows_uri(&uri.parse().unwrap())
    }

    #[test]
    fn exact_hosts_and_default_ports() {
        assert!(allows(
            "https://democracy.example.gov.uk",
            "https://democracy.example.gov.uk/mgWebService.asmx"
        ));
        assert!(allows(
            "https://democracy.example.gov.uk",
            "https://democracy.example.gov.uk:443/x"
        ));
        assert!(!allows(
            "https://democracy.example.gov.uk",
            "https://democracy.example.gov.uk:8443/x"
        ));
        assert!(!allows(
            "https://democracy.example.gov.uk",
            "http://democracy.example.gov.uk/x"
        ));
        assert!(!allows(
            "https://democracy.example.gov.uk",
            "https://evil.example/x"
        ));
    }

    #[test]
    fn wildcards() {
        assert!(allows("https://*.example.org", "https://a.b.example.org/"));
        assert!(!allows("https://*.example.org", "https://example.org/"));
        assert!(!allows("https://*.example.org", "https://badexample.org/"));
        assert!(allows("*://localhost:*", "http://localhost:1234/"));
        assert!(allows(
            "http://127.0.0.1:8000..8010",
            "http://127.0.0.1:8005/"
        ));
        assert!(!allows(
            "http://127.0.0.1:8000..8010",
            "http://127.0.0.1:8011/"
        ));
    }

    #[test]
    fn malformed_entries_are_rejected() {
        for bad in [
            "example.org",
            "https://example.org/path",
            "https://ex*ample.org",
            "redis://cache",
            "https://example.org:99999",
            "HTTPS://example.org",
        ] {
            assert!(AllowedHost::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn nothing_is_allowed_by_an_empty_list() {
        let hosts = AllowedHosts::default();
        assert!(!hosts.allows_uri(&"https://example.org/".parse().unwrap()));
    }
}
