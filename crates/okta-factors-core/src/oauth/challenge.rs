//! A tolerant parser of `WWW-Authenticate` (RFC 9110 §11.6.1): how Okta says
//! why a token was refused (`Bearer … error="invalid_token"`) and that a DPoP
//! nonce is needed (`DPoP error="use_dpop_nonce"`).
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param  = token BWS "=" BWS ( token / quoted-string )
//! token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//!
//! Never fails and never panics: what does not fit the grammar is skipped up
//! to the next comma; an unterminated quoted string runs to the end.

/// One challenge: its scheme and parameters, as sent (names keep their case;
/// look them up with [`Challenge::param`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: Vec<(String, String)>,
    /// The token68 form (`Negotiate YIIB…==`), instead of parameters.
    pub(crate) token68: Option<String>,
}

impl Challenge {
    /// The first parameter named `name` (case-insensitively).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the scheme is `scheme` (case-insensitively).
    pub(crate) fn scheme_is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }
}

/// Every challenge of a `WWW-Authenticate` value (for several header lines,
/// call it once per line).
pub(crate) fn parse_www_authenticate(value: &str) -> Vec<Challenge> {
    Parser {
        chars: value.chars().collect(),
        at: 0,
    }
    .challenges()
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn is_token68_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~+/".contains(c)
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn at_end_or_comma(&self) -> bool {
        matches!(self.peek(), None | Some(','))
    }

    /// Skips spaces; how many.
    fn skip_spaces(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(is_space) {
            self.at += 1;
        }
        self.at - start
    }

    /// Skips spaces and commas (empty list elements).
    fn skip_separators(&mut self) {
        while self.peek().is_some_and(|c| is_space(c) || c == ',') {
            self.at += 1;
        }
    }

    /// Skips what does not fit, up to the next comma.
    fn skip_to_comma(&mut self) {
        while self.peek().is_some_and(|c| c != ',') {
            self.at += 1;
        }
    }

    fn token(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek().filter(|c| is_tchar(*c)) {
            out.push(c);
            self.at += 1;
        }
        out
    }

    fn challenges(mut self) -> Vec<Challenge> {
        let mut out = Vec::new();
        loop {
            self.skip_separators();
            if self.peek().is_none() {
                return out;
            }
            let scheme = self.token();
            if scheme.is_empty() {
                // Junk (not a separator, so this moves on).
                self.skip_to_comma();
                continue;
            }
            let mut challenge = Challenge {
                scheme,
                ..Challenge::default()
            };
            let spaced = self.skip_spaces() > 0;
            match self.token68() {
                Some(token68) if spaced => challenge.token68 = Some(token68),
                // Parameters end where the next challenge starts.
                _ if spaced && !self.at_end_or_comma() => self.params(&mut challenge),
                _ => self.skip_to_comma(),
            }
            out.push(challenge);
        }
    }

    /// A token68 here, if it is one: followed by the end or a comma (and
    /// then skipped, with the spaces after it).
    fn token68(&mut self) -> Option<String> {
        let start = self.at;
        let mut end = start;
        while self.chars.get(end).copied().is_some_and(is_token68_char) {
            end += 1;
        }
        if end == start {
            return None;
        }
        while self.chars.get(end) == Some(&'=') {
            end += 1;
        }
        let mut next = end;
        while self.chars.get(next).copied().is_some_and(is_space) {
            next += 1;
        }
        if !matches!(self.chars.get(next), None | Some(',')) {
            return None;
        }
        self.at = next;
        Some(self.chars.get(start..end)?.iter().collect())
    }

    /// `name=value` pairs up to the end or the next challenge (a token that
    /// no `=` follows).
    fn params(&mut self, challenge: &mut Challenge) {
        loop {
            self.skip_separators();
            if self.peek().is_none() {
                return;
            }
            let start = self.at;
            let name = self.token();
            if name.is_empty() {
                self.skip_to_comma();
                continue;
            }
            self.skip_spaces();
            if self.peek() != Some('=') {
                // The next challenge's scheme.
                self.at = start;
                return;
            }
            self.at += 1;
            self.skip_spaces();
            let value = self.value();
            challenge.params.push((name, value));
            self.skip_spaces();
            if !self.at_end_or_comma() {
                self.skip_to_comma();
            }
        }
    }

    /// A quoted string (unescaped) or a bare value (up to a space or comma).
    fn value(&mut self) -> String {
        let mut out = String::new();
        if self.peek() == Some('"') {
            self.at += 1;
            while let Some(c) = self.peek() {
                self.at += 1;
                match c {
                    '"' => break,
                    '\\' => {
                        if let Some(escaped) = self.peek() {
                            out.push(escaped);
                            self.at += 1;
                        }
                    }
                    c => out.push(c),
                }
            }
        } else {
            while let Some(c) = self.peek().filter(|c| !is_space(*c) && *c != ',') {
                out.push(c);
                self.at += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn challenge(scheme: &str, params: &[(&str, &str)]) -> Challenge {
        Challenge {
            scheme: scheme.to_owned(),
            params: params
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            token68: None,
        }
    }

    #[test]
    fn rfc_9110_example() {
        // RFC 9110 §11.6.1: two challenges in one value, an escaped quote.
        let parsed = parse_www_authenticate(
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#,
        );
        assert_eq!(
            parsed,
            [
                challenge(
                    "Newauth",
                    &[
                        ("realm", "apps"),
                        ("type", "1"),
                        ("title", r#"Login to "apps""#)
                    ]
                ),
                challenge("Basic", &[("realm", "simple")]),
            ]
        );
        assert_eq!(parsed[0].param("TITLE"), Some(r#"Login to "apps""#));
        assert!(parsed[1].scheme_is("basic"));
    }

    #[test]
    fn okta_bearer_challenge() {
        // Okta's answer to a token without the scope an endpoint needs.
        let parsed = parse_www_authenticate(
            r#"Bearer authorization_uri="http://subdomain.okta.com/oauth2/v1/authorize", realm="http://subdomain.okta.com", scope="openid", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/oauth2/v1/userinfo""#,
        );
        assert_eq!(parsed.len(), 1);
        let bearer = &parsed[0];
        assert!(bearer.scheme_is("bearer"));
        assert_eq!(bearer.param("realm"), Some("http://subdomain.okta.com"));
        assert_eq!(bearer.param("error"), Some("insufficient_scope"));
        assert_eq!(
            bearer.param("error_description"),
            Some("The access token provided does not contain the required scopes.")
        );
        assert_eq!(bearer.param("resource"), Some("/oauth2/v1/userinfo"));
        assert_eq!(bearer.param("scope"), Some("openid"));
        assert_eq!(bearer.params.len(), 6);
        // RFC 6750 §3's expired token.
        let parsed = parse_www_authenticate(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(parsed[0].param("error"), Some("invalid_token"));
    }

    #[test]
    fn dpop_challenges() {
        // RFC 9449 §9 (Okta sends the same for its resource nonce).
        let parsed = parse_www_authenticate(
            r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
        );
        assert_eq!(
            parsed,
            [challenge(
                "DPoP",
                &[
                    ("error", "use_dpop_nonce"),
                    (
                        "error_description",
                        "Resource server requires nonce in DPoP proof"
                    )
                ]
            )]
        );
        // RFC 9449 §7.2: a bare Bearer challenge and a DPoP one.
        let parsed = parse_www_authenticate(r#"Bearer, DPoP algs="ES256 PS256""#);
        assert_eq!(
            parsed,
            [
                challenge("Bearer", &[]),
                challenge("DPoP", &[("algs", "ES256 PS256")])
            ]
        );
    }

    #[test]
    fn token68_and_bare_schemes() {
        let parsed = parse_www_authenticate("Negotiate YIIB+/x==, SSWS , Basic realm=x");
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].token68.as_deref(), Some("YIIB+/x=="));
        assert!(parsed[0].params.is_empty());
        assert_eq!(parsed[1], challenge("SSWS", &[]));
        assert_eq!(parsed[2], challenge("Basic", &[("realm", "x")]));
        // `name=` then the end: a token68 by the grammar.
        assert_eq!(
            parse_www_authenticate("X abc=")[0].token68.as_deref(),
            Some("abc=")
        );
        // A parameter with an empty value, then a bare scheme.
        assert_eq!(
            parse_www_authenticate("a a=\"\",a"),
            [challenge("a", &[("a", "")]), challenge("a", &[])]
        );
    }

    #[test]
    fn whitespace_case_and_empty_elements() {
        let parsed = parse_www_authenticate(
            " ,  bearer\tREALM = \"r\" ,, Error=\"e\"  ,  dpop   nonce=n1 ,",
        );
        assert_eq!(
            parsed,
            [
                challenge("bearer", &[("REALM", "r"), ("Error", "e")]),
                challenge("dpop", &[("nonce", "n1")]),
            ]
        );
        assert_eq!(parsed[0].param("realm"), Some("r"));
        assert_eq!(parsed[0].param("error"), Some("e"));
        assert_eq!(parsed[0].param("missing"), None);
    }

    #[test]
    fn junk_is_skipped() {
        assert_eq!(parse_www_authenticate(""), []);
        assert_eq!(parse_www_authenticate(" , ,"), []);
        assert_eq!(
            parse_www_authenticate("@@@, Bearer realm=\"x\""),
            [challenge("Bearer", &[("realm", "x")])]
        );
        assert_eq!(
            parse_www_authenticate("Bearer realm=\"x\" junk junk, error=\"e\""),
            [challenge("Bearer", &[("realm", "x"), ("error", "e")])]
        );
        // Unterminated quote: to the end; a trailing backslash is dropped.
        assert_eq!(
            parse_www_authenticate("Bearer error=\"abc, def\\"),
            [challenge("Bearer", &[("error", "abc, def")])]
        );
        assert_eq!(
            parse_www_authenticate("Bearer=x"),
            [challenge("Bearer", &[])]
        );
        assert_eq!(
            parse_www_authenticate("Bearer =x, y"),
            [challenge("Bearer", &[]), challenge("y", &[])]
        );
        // "ü" is junk up to the next comma, and there is none.
        assert_eq!(parse_www_authenticate("ü Bearer"), []);
        assert_eq!(
            parse_www_authenticate("Bearer realm=\"é\u{0}\""),
            [challenge("Bearer", &[("realm", "é\u{0}")])]
        );
    }

    fn quoted(value: &str) -> String {
        let mut out = String::from("\"");
        for c in value.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        out
    }

    proptest! {
        #[test]
        fn any_text_parses_without_panicking(text in ".{0,200}") {
            let parsed = parse_www_authenticate(&text);
            prop_assert!(parsed.len() <= text.len());
            for challenge in &parsed {
                prop_assert!(!challenge.scheme.is_empty());
            }
        }

        #[test]
        fn any_header_like_text_parses_without_panicking(
            text in "[A-Za-z0-9 ,=\"\\\\\t/+.~_-]{0,120}",
        ) {
            let _ = parse_www_authenticate(&text);
        }

        /// What a serializer writes (the grammar's own rules), the parser
        /// reads back.
        #[test]
        fn written_challenges_read_back(
            challenges in proptest::collection::vec(
                (
                    "[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,10}",
                    proptest::collection::vec(("[A-Za-z_][A-Za-z0-9_-]{0,10}", ".{0,20}"), 0..4),
                    any::<bool>(),
                    "[ \t]{0,2}",
                ),
                1..4,
            ),
        ) {
            let mut header = String::new();
            let mut expected = Vec::new();
            for (i, (scheme, params, bare, space)) in challenges.into_iter().enumerate() {
                if i > 0 {
                    header.push(',');
                    header.push_str(&space);
                }
                header.push_str(&scheme);
                let written: Vec<String> = params
                    .iter()
                    .map(|(name, value)| {
                        let bare_ok = bare && !value.is_empty() && value.chars().all(is_tchar);
                        let value = if bare_ok { value.clone() } else { quoted(value) };
                        format!("{name}{space}={space}{value}")
                    })
                    .collect();
                if !written.is_empty() {
                    header.push(' ');
                    header.push_str(&written.join(&format!("{space},{space}")));
                }
                expected.push(Challenge { scheme, params, token68: None });
            }
            prop_assert_eq!(parse_www_authenticate(&header), expected, "{}", header);
        }
    }
}
