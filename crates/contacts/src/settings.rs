//! The component's settings, parsed from the string pairs wasi:config gives
//! (`docs/contacts.md` documents every key).

use std::time::Duration;

use crate::model::Error;

/// Which source answers (`contacts_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// The council's ModernGov web service and parish pages.
    Moderngov,
    /// The static directory file.
    Directory,
}

/// A validated ModernGov base URL (`https://democracy.example.gov.uk`, or with a
/// path such as `https://mgov.example.gov.uk/modern.gov`), without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: String,
    host: String,
}

/// What is wrong with a `moderngov_base_url` (the settings report it as
/// `Error::NotConfigured`, naming the key and the value in front).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    /// Occurs when there is no `scheme://` in front of the host.
    #[error("it has no scheme (expected https://host)")]
    NoScheme,
    /// Occurs when the scheme is neither `http` nor `https`.
    #[error("scheme {scheme:?} is not http or https")]
    UnsupportedScheme {
        /// The scheme given, lower case.
        scheme: String,
    },
    /// Occurs when there is a `?query` or `#fragment`: the client appends the
    /// web-service path (`/mgWebService.asmx/<Operation>`) to the base URL.
    #[error("it has a query or fragment")]
    QueryOrFragment,
    /// Occurs when there is `user@` information in front of the host.
    #[error("it has user information")]
    UserInfo,
    /// Occurs when the host is empty or not a DNS name (letters, digits and `-` in
    /// dot-separated labels) nor a bracketed IPv6 literal.
    #[error("host {host:?} is not a valid host name")]
    InvalidHost {
        /// The host given.
        host: String,
    },
    /// Occurs when the port is not a number from 0 to 65535.
    #[error("port {port:?} is not a number")]
    InvalidPort {
        /// The port given.
        port: String,
    },
    /// Occurs when the path contains whitespace or control characters.
    #[error("the path contains spaces")]
    SpaceInPath,
}

impl BaseUrl {
    /// Validates `s`: `http` or `https`, a host, no user info, query or fragment.
    pub fn parse(s: &str) -> Result<BaseUrl, BaseUrlError> {
        let s = s.trim();
        let (scheme, rest) = s.split_once("://").ok_or(BaseUrlError::NoScheme)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(BaseUrlError::UnsupportedScheme { scheme });
        }
        if rest.contains(['?', '#']) {
            return Err(BaseUrlError::QueryOrFragment);
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(BaseUrlError::UserInfo);
        }
        let (host, port) = if let Some(end) = authority.strip_prefix('[').and_then(|a| a.find(']'))
        {
            let (h, rest) = authority.split_at(end + 2);
            (h, rest.strip_prefix(':'))
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let host_ok = !host.is_empty()
            && (host.starts_with('[') && host.ends_with(']')
                || host.split('.').all(|l| {
                    !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                }));
        if !host_ok {
            return Err(BaseUrlError::InvalidHost { host: host.into() });
        }
        if let Some(p) = port
            && p.parse::<u16>().is_err()
        {
            return Err(BaseUrlError::InvalidPort { port: p.into() });
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(BaseUrlError::SpaceInPath);
        }
        let host_port = authority.to_ascii_lowercase();
        let url = format!("{scheme}://{host_port}{}", path.trim_end_matches('/'));
        Ok(BaseUrl {
            url,
            host: host_port,
        })
    }

    /// The URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// `host[:port]`, lower case: the key of the per-host rate limit.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `<base>/<page>`.
    pub fn join(&self, page: &str) -> String {
        format!("{}/{}", self.url, page.trim_start_matches('/'))
    }
}

/// Parsed settings, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `contacts_source` (default `directory`).
    pub source: SourceKind,
    /// `moderngov_base_url`; required when the source is `moderngov`.
    pub moderngov_base_url: Option<BaseUrl>,
    /// `contacts_cache_ttl_seconds` (default 86400).
    pub cache_ttl: Duration,
    /// `contacts_timeout_ms` (default 5000).
    pub timeout: Duration,
    /// `contacts_min_interval_ms` between requests to one upstream host (default 1000).
    pub min_interval: Duration,
    /// `contacts_cache_max_entries`: cached upstream answers kept at most (default
    /// 10000); the oldest admitted is evicted first.
    pub cache_max_entries: u64,
    /// `contacts_include_personal` (default false).
    pub include_personal: bool,
    /// `contacts_directory_path` (default `/data/contacts/directory.json`).
    pub directory_path: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            source: SourceKind::Directory,
            moderngov_base_url: None,
            cache_ttl: Duration::from_secs(86_400),
            timeout: Duration::from_millis(5_000),
            min_interval: Duration::from_millis(1_000),
            cache_max_entries: 10_000,
            include_personal: false,
            directory_path: "/data/contacts/directory.json".into(),
        }
    }
}

fn number(key: &str, v: &str, unit: &str) -> Result<u64, Error> {
    v.trim()
        .parse::<u64>()
        .map_err(|_| Error::NotConfigured(format!("{key}: {v:?} is not a whole number of {unit}")))
}

fn boolean(key: &str, v: &str) -> Result<bool, Error> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(Error::NotConfigured(format!(
            "{key}: {v:?} is not true or false"
        ))),
    }
}

impl Settings {
    /// Parses settings from key/value pairs (wasi:config `get-all`). Unknown keys are
    /// ignored (the store is shared with other settings); empty values mean "unset".
    ///
    /// Raises `Error::NotConfigured` naming the key for an invalid value, and when
    /// the source is `moderngov` without a `moderngov_base_url`.
    pub fn from_pairs<I, K, V>(pairs: I) -> Result<Settings, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut s = Settings::default();
        for (k, v) in pairs {
            let (k, v) = (k.as_ref().trim(), v.as_ref());
            if v.trim().is_empty() {
                continue;
            }
            match k {
                "contacts_source" => {
                    s.source = match v.trim().to_ascii_lowercase().as_str() {
                        "moderngov" => SourceKind::Moderngov,
                        "directory" => SourceKind::Directory,
                        other => {
                            return Err(Error::NotConfigured(format!(
                                "contacts_source: {other:?} is not moderngov or directory"
                            )));
                        }
                    }
                }
                "moderngov_base_url" => {
                    s.moderngov_base_url = Some(BaseUrl::parse(v).map_err(|e| {
                        Error::NotConfigured(format!("moderngov_base_url: {v:?}: {e}"))
                    })?)
                }
                "contacts_cache_ttl_seconds" => {
                    s.cache_ttl = Duration::from_secs(number(k, v, "seconds")?)
                }
                "contacts_timeout_ms" => {
                    let ms = number(k, v, "milliseconds")?;
                    if ms == 0 {
                        return Err(Error::NotConfigured(
                            "contacts_timeout_ms: must be more than 0".into(),
                        ));
                    }
                    s.timeout = Duration::from_millis(ms);
                }
                "contacts_min_interval_ms" => {
                    s.min_interval = Duration::from_millis(number(k, v, "milliseconds")?)
                }
                "contacts_cache_max_entries" => {
                    s.cache_max_entries = number(k, v, "entries")?.max(1)
                }
                "contacts_include_personal" => s.include_personal = boolean(k, v)?,
                "contacts_directory_path" => s.directory_path = v.trim().to_string(),
                _ => {}
            }
        }
        if s.source == SourceKind::Moderngov && s.moderngov_base_url.is_none() {
            return Err(Error::NotConfigured(
                "moderngov_base_url: required when contacts_source is moderngov".into(),
            ));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply() {
        let s = Settings::from_pairs(Vec::<(String, String)>::new()).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.cache_ttl, Duration::from_secs(86_400));
        assert_eq!(s.timeout, Duration::from_millis(5_000));
        assert_eq!(s.min_interval, Duration::from_millis(1_000));
        assert!(!s.include_personal);
    }

    #[test]
    fn parses_every_key() {
        let s = Settings::from_pairs([
            ("contacts_source", "moderngov"),
            ("moderngov_base_url", "https://Democracy.Example.gov.uk/"),
            ("contacts_cache_ttl_seconds", "60"),
            ("contacts_timeout_ms", "250"),
            ("contacts_min_interval_ms", "0"),
            ("contacts_include_personal", "true"),
            ("contacts_directory_path", "/tmp/d.json"),
            ("unrelated", "x"),
        ])
        .unwrap();
        assert_eq!(s.source, SourceKind::Moderngov);
        let base = s.moderngov_base_url.unwrap();
        assert_eq!(base.as_str(), "https://democracy.example.gov.uk");
        assert_eq!(base.host(), "democracy.example.gov.uk");
        assert_eq!(
            base.join("mgWebService.asmx/GetParishCouncils"),
            "https://democracy.example.gov.uk/mgWebService.asmx/GetParishCouncils"
        );
        assert_eq!(s.cache_ttl, Duration::from_secs(60));
        assert!(s.include_personal);
        assert_eq!(s.directory_path, "/tmp/d.json");
    }

    #[test]
    fn base_urls_are_validated() {
        assert!(BaseUrl::parse("https://mgov.example.gov.uk/modern.gov").is_ok());
        assert_eq!(
            BaseUrl::parse("http://localhost:8080").unwrap().host(),
            "localhost:8080"
        );
        let cases = [
            ("democracy.example.gov.uk", BaseUrlError::NoScheme),
            (
                "ftp://x.example",
                BaseUrlError::UnsupportedScheme {
                    scheme: "ftp".into(),
                },
            ),
            ("https://", BaseUrlError::InvalidHost { host: "".into() }),
            (
                "https://a b",
                BaseUrlError::InvalidHost { host: "a b".into() },
            ),
            ("https://x.example/?q=1", BaseUrlError::QueryOrFragment),
            ("https://u@x.example", BaseUrlError::UserInfo),
            (
                "https://x.example:port",
                BaseUrlError::InvalidPort {
                    port: "port".into(),
                },
            ),
            ("https://x.example/a b", BaseUrlError::SpaceInPath),
        ];
        for (bad, why) in cases {
            assert_eq!(BaseUrl::parse(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn base_url_errors_read_as_before() {
        // The message a council sees in `not configured: moderngov_base_url: ...`.
        let e = Settings::from_pairs([("moderngov_base_url", "ftp://x.example")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not configured: moderngov_base_url: \"ftp://x.example\": scheme \"ftp\" is not http or https"
        );
    }

    #[test]
    fn errors_name_the_setting() {
        let e = Settings::from_pairs([("contacts_source", "moderngov")]).unwrap_err();
        assert!(
            matches!(&e, Error::NotConfigured(m) if m.contains("moderngov_base_url")),
            "{e}"
        );
        let e = Settings::from_pairs([("contacts_timeout_ms", "5s")]).unwrap_err();
        assert!(
            matches!(&e, Error::NotConfigured(m) if m.starts_with("contacts_timeout_ms")),
            "{e}"
        );
        let e = Settings::from_pairs([("moderngov_base_url", "nope")]).unwrap_err();
        assert!(
            matches!(&e, Error::NotConfigured(m) if m.starts_with("moderngov_base_url")),
            "{e}"
        );
        let e = Settings::from_pairs([("contacts_include_personal", "perhaps")]).unwrap_err();
        assert!(
            matches!(&e, Error::NotConfigured(m) if m.starts_with("contacts_include_personal")),
            "{e}"
        );
    }
}
