//! Spin's HTTP route syntax and matching.
//!
//! A route is a path of `/`-separated segments. As in Spin 3 (see
//! <https://spinframework.dev/v3/http-trigger#routing>):
//!
//! - a literal segment matches itself (`/api/areas`);
//! - `:name` matches any one segment, whose value the component receives in the
//!   `spin-path-match-name` header;
//! - a trailing `/...` matches the route's prefix and anything below it;
//! - when several routes match, the most specific wins: segment by segment a literal
//!   beats a parameter, which beats the wildcard, and a route that ends exactly where
//!   the path ends beats a wildcard.

use std::cmp::Ordering;
use std::fmt;

/// One segment of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A parsed route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    segments: Vec<Segment>,
    wildcard: bool,
    text: String,
}

/// What a successful match captured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteMatch {
    /// `:name` parameters and their values, in route order.
    pub params: Vec<(String, String)>,
    /// The part of the path below a wildcard route's prefix (`/x/y` for `/api/...`
    /// matching `/api/x/y`), empty for exact routes; Spin's `spin-path-info`.
    pub path_info: String,
    /// The route's prefix without the wildcard; Spin's `spin-component-route`.
    pub component_route: String,
}

/// Errors parsing a route; each holds the route as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// Occurs when the route does not start with `/`.
    #[error("route `{0}` must start with `/`")]
    NotAbsolute(String),
    /// Occurs when the route has `//`.
    #[error("route `{0}` has an empty segment")]
    EmptySegment(String),
    /// Occurs when `...` stands anywhere but at the end.
    #[error("route `{0}`: `...` is only allowed at the end")]
    WildcardNotLast(String),
    /// Occurs when a segment is a bare `:`.
    #[error("route `{0}` has a parameter without a name")]
    UnnamedParameter(String),
}

impl Route {
    /// Parses a route as written in `[[trigger.http]] route = "..."`.
    pub fn parse(text: &str) -> Result<Self, RouteError> {
        if !text.starts_with('/') {
            return Err(RouteError::NotAbsolute(text.to_string()));
        }
        let mut rest = &text[1..];
        let mut wildcard = false;
        if rest == "..." {
            wildcard = true;
            rest = "";
        } else if let Some(prefix) = rest.strip_suffix("/...") {
            wildcard = true;
            rest = prefix;
        }
        let mut segments = Vec::new();
        if !rest.is_empty() {
            for part in rest.split('/') {
                if part.is_empty() {
                    return Err(RouteError::EmptySegment(text.to_string()));
                }
                if part == "..." {
                    return Err(RouteError::WildcardNotLast(text.to_string()));
                }
                if let Some(name) = part.strip_prefix(':') {
                    if name.is_empty() {
                        return Err(RouteError::UnnamedParameter(text.to_string()));
                    }
                    segments.push(Segment::Param(name.to_string()));
                } else {
                    segments.push(Segment::Literal(part.to_string()));
                }
            }
        }
        Ok(Self {
            segments,
            wildcard,
            text: text.to_string(),
        })
    }

    /// Whether the route ends in `/...`.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// Matches a request path (without query string).
    pub fn matches(&self, path: &str) -> Option<RouteMatch> {
        let trimmed = path.strip_prefix('/')?;
        let parts: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        // A trailing slash on an exact route is treated as the same path, as Spin does.
        let parts: Vec<&str> = if !self.wildcard && parts.last() == Some(&"") {
            parts[..parts.len() - 1].to_vec()
        } else {
            parts
        };
        if parts.len() < self.segments.len()
            || (!self.wildcard && parts.len() != self.segments.len())
        {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(&parts) {
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => {
                    if part.is_empty() {
                        return None;
                    }
                    params.push((name.clone(), (*part).to_string()));
                }
            }
        }
        let below = &parts[self.segments.len()..];
        let path_info = if below.is_empty() {
            String::new()
        } else {
            format!("/{}", below.join("/"))
        };
        Some(RouteMatch {
            params,
            path_info,
            component_route: self.prefix(),
        })
    }

    /// The route without a trailing wildcard (`/api` for `/api/...`, `` for `/...`).
    fn prefix(&self) -> String {
        let text = self.text.strip_suffix("/...").unwrap_or(&self.text);
        if text == "/..." {
            String::new()
        } else {
            text.to_string()
        }
    }

    /// Orders two routes that both match some path: `Greater` is more specific.
    pub fn specificity_cmp(&self, other: &Self) -> Ordering {
        // Rank each position: literal 3, parameter 2, wildcard 1, and "route ended
        // here" 4 (only comparable against a wildcard at the same position).
        fn rank(route: &Route, position: usize) -> u8 {
            match route.segments.get(position) {
                Some(Segment::Literal(_)) => 3,
                Some(Segment::Param(_)) => 2,
                None if route.wildcard => 1,
                None => 4,
            }
        }
        let len = self.segments.len().max(other.segments.len()) + 1;
        for position in 0..len {
            match rank(self, position).cmp(&rank(other, position)) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A route table: routes sorted most specific first.
#[derive(Debug, Clone)]
pub struct Router<T> {
    entries: Vec<(Route, T)>,
}

impl<T> Router<T> {
    /// Builds a router; the order of `entries` does not matter.
    pub fn new(mut entries: Vec<(Route, T)>) -> Self {
        entries.sort_by(|(a, _), (b, _)| b.specificity_cmp(a));
        Self { entries }
    }

    /// The most specific route matching `path`, with what it captured.
    pub fn route(&self, path: &str) -> Option<(&Route, &T, RouteMatch)> {
        self.entries
            .iter()
            .find_map(|(route, value)| route.matches(path).map(|m| (route, value, m)))
    }

    /// Every route, most specific first.
    pub fn routes(&self) -> impl Iterator<Item = (&Route, &T)> {
        self.entries.iter().map(|(route, value)| (route, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[&str]) -> Router<String> {
        Router::new(
            routes
                .iter()
                .map(|r| (Route::parse(r).unwrap(), (*r).to_string()))
                .collect(),
        )
    }

    fn winner(router: &Router<String>, path: &str) -> Option<String> {
        router.route(path).map(|(_, v, _)| v.clone())
    }

    #[test]
    fn exact_routes_match_only_themselves() {
        let r = router(&["/hello"]);
        assert_eq!(winner(&r, "/hello").as_deref(), Some("/hello"));
        assert_eq!(winner(&r, "/hello/"), Some("/hello".into()));
        assert_eq!(winner(&r, "/hello/x"), None);
        assert_eq!(winner(&r, "/hell"), None);
    }

    #[test]
    fn wildcards_match_their_prefix_and_below() {
        let r = router(&["/api/..."]);
        let (_, _, m) = r.route("/api/areas/E04000011").unwrap();
        assert_eq!(m.path_info, "/areas/E04000011");
        assert_eq!(m.component_route, "/api");
        assert!(r.route("/api").is_some());
        assert!(r.route("/apis").is_none());
    }

    #[test]
    fn the_most_specific_route_wins() {
        let r = router(&["/...", "/api/...", "/api/areas/:code", "/api/areas/list"]);
        assert_eq!(winner(&r, "/x").as_deref(), Some("/..."));
        assert_eq!(winner(&r, "/api/x").as_deref(), Some("/api/..."));
        assert_eq!(
            winner(&r, "/api/areas/E1").as_deref(),
            Some("/api/areas/:code")
        );
        assert_eq!(
            winner(&r, "/api/areas/list").as_deref(),
            Some("/api/areas/list")
        );
        assert_eq!(winner(&r, "/api/areas/E1/x").as_deref(), Some("/api/..."));
    }

    #[test]
    fn parameters_are_captured() {
        let r = router(&["/point/:srid/:coords"]);
        let (_, _, m) = r.route("/point/4326/-2.4,53.4").unwrap();
        assert_eq!(
            m.params,
            vec![
                ("srid".to_string(), "4326".to_string()),
                ("coords".to_string(), "-2.4,53.4".to_string())
            ]
        );
    }

    #[test]
    fn root_wildcard_matches_everything() {
        let r = router(&["/..."]);
        let (_, _, m) = r.route("/").unwrap();
        assert_eq!(m.path_info, "");
        assert!(r.route("/a/b/c").is_some());
    }

    #[test]
    fn malformed_routes_are_rejected() {
        assert!(Route::parse("api").is_err());
        assert!(Route::parse("/a//b").is_err());
        assert!(Route::parse("/a/.../b").is_err());
        assert!(Route::parse("/a/:").is_err());
    }
}
