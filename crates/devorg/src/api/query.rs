//! Okta's `filter` and `search` expression languages: a real grammar (SCIM-like), checked
//! against what each endpoint supports, and compiled to a parameterised SQL condition.
//!
//! ```text
//! expr    := and ( "or" and )*
//! and     := unary ( "and" unary )*
//! unary   := "not" unary | primary            ("not" is parsed, then refused: Okta has none)
//! primary := "(" expr ")" | attr "pr" | attr op literal
//! op      := eq | ne | gt | ge | lt | le | sw | co | ew       (case-insensitive)
//! literal := JSON string | number | true | false | null
//! ```
//! Syntax errors are "Invalid search syntax.", valid syntax the endpoint does not support is
//! "Invalid search query." (both E0000031); malformed dates are E0000030.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Sw,
    Co,
    Ew,
    Pr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { attr: String, op: Op, value: Option<Literal> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryError {
    /// The text is not an expression.
    Syntax,
    /// A valid expression this endpoint does not support (attribute, operator, `not`).
    Unsupported(String),
    /// A date literal in the wrong format.
    Date(String),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Syntax => f.write_str("Invalid search syntax."),
            QueryError::Unsupported(_) => f.write_str("Invalid search query."),
            QueryError::Date(d) => write!(f, "Invalid date: {d}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    LParen,
    RParen,
}

fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            '"' => {
                // A JSON string: \" \\ \/ \b \f \n \r \t \uXXXX.
                let mut s = String::new();
                i += 1;
                loop {
                    let Some(&c) = chars.get(i) else { return Err(QueryError::Syntax) };
                    i += 1;
                    match c {
                        '"' => break,
                        '\\' => {
                            let Some(&e) = chars.get(i) else { return Err(QueryError::Syntax) };
                            i += 1;
                            match e {
                                '"' => s.push('"'),
                                '\\' => s.push('\\'),
                                '/' => s.push('/'),
                                'b' => s.push('\u{8}'),
                                'f' => s.push('\u{c}'),
                                'n' => s.push('\n'),
                                'r' => s.push('\r'),
                                't' => s.push('\t'),
                                'u' => {
                                    let hex: String = chars.get(i..i + 4).ok_or(QueryError::Syntax)?.iter().collect();
                                    let code = u32::from_str_radix(&hex, 16).map_err(|_| QueryError::Syntax)?;
                                    s.push(char::from_u32(code).ok_or(QueryError::Syntax)?);
                                    i += 4;
                                }
                                _ => return Err(QueryError::Syntax),
                            }
                        }
                        c => s.push(c),
                    }
                }
                tokens.push(Token::Str(s));
            }
            c if c == '-' || c.is_ascii_digit() => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                tokens.push(Token::Num(text.parse().map_err(|_| QueryError::Syntax)?));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '.' | ':' | '$'))
                {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            _ => return Err(QueryError::Syntax),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expr(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.and()?;
        while self.peek_keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        if self.peek_keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        match self.next() {
            Some(Token::LParen) => {
                let e = self.expr()?;
                match self.next() {
                    Some(Token::RParen) => Ok(e),
                    _ => Err(QueryError::Syntax),
                }
            }
            Some(Token::Ident(attr)) => {
                if !valid_attr(&attr) {
                    return Err(QueryError::Syntax);
                }
                let op = match self.next() {
                    Some(Token::Ident(op)) => parse_op(&op).ok_or(QueryError::Syntax)?,
                    _ => return Err(QueryError::Syntax),
                };
                if op == Op::Pr {
                    return Ok(Expr::Cmp { attr, op, value: None });
                }
                let value = match self.next() {
                    Some(Token::Str(s)) => Literal::Str(s),
                    Some(Token::Num(n)) => Literal::Num(n),
                    Some(Token::Ident(w)) if w == "true" => Literal::Bool(true),
                    Some(Token::Ident(w)) if w == "false" => Literal::Bool(false),
                    Some(Token::Ident(w)) if w == "null" => Literal::Null,
                    _ => return Err(QueryError::Syntax),
                };
                Ok(Expr::Cmp { attr, op, value: Some(value) })
            }
            _ => Err(QueryError::Syntax),
        }
    }
}

fn valid_attr(attr: &str) -> bool {
    !attr.is_empty()
        && attr.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        && !["and", "or", "not"].contains(&attr.to_ascii_lowercase().as_str())
}

fn parse_op(op: &str) -> Option<Op> {
    Some(match op.to_ascii_lowercase().as_str() {
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "gt" => Op::Gt,
        "ge" => Op::Ge,
        "lt" => Op::Lt,
        "le" => Op::Le,
        "sw" => Op::Sw,
        "co" => Op::Co,
        "ew" => Op::Ew,
        "pr" => Op::Pr,
        _ => return None,
    })
}

pub fn parse(input: &str) -> Result<Expr, QueryError> {
    let tokens = tokenize(input)?;
    if tokens.is_empty() {
        return Err(QueryError::Syntax);
    }
    let mut p = Parser { tokens, pos: 0 };
    let e = p.expr()?;
    if p.pos != p.tokens.len() {
        return Err(QueryError::Syntax);
    }
    Ok(e)
}

/// Which language, on which collection: they differ in attributes, operators and case rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    UserFilter,
    UserSearch,
    GroupFilter,
    GroupSearch,
}

/// How an attribute is stored.
enum Column {
    /// A real column (timestamps and status are stored as Okta-formatted text).
    Plain(&'static str, bool),
    /// A key inside the JSON profile.
    Profile(String),
}

const TIMESTAMPS: &[&str] = &["created", "activated", "statusChanged", "lastUpdated", "lastMembershipUpdated"];

/// A profile property's name as Okta allows it (a letter, then letters, digits or `_`). Names
/// reach SQL as JSON paths, so anything else is refused here, where every attribute passes.
fn property_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.len() <= 100
}

fn column(dialect: Dialect, attr: &str) -> Option<Column> {
    use Dialect::*;
    let is_time = TIMESTAMPS.contains(&attr);
    let plain = |c: &'static str| Some(Column::Plain(c, is_time));
    match (dialect, attr) {
        (UserFilter, "status") | (UserSearch, "status") => plain("status"),
        (UserFilter, "id") | (UserSearch, "id") | (GroupFilter, "id") | (GroupSearch, "id") => plain("id"),
        (UserFilter, "lastUpdated") | (UserSearch, "lastUpdated") => plain("last_updated"),
        (UserSearch, "created") | (GroupSearch, "created") => plain("created"),
        (UserSearch, "activated") => plain("activated"),
        (UserSearch, "statusChanged") => plain("status_changed"),
        (UserSearch, "type.id") => plain("type_id"),
        (UserFilter, "profile.login" | "profile.email" | "profile.firstName" | "profile.lastName") => {
            Some(Column::Profile(attr["profile.".len()..].to_string()))
        }
        (UserSearch | GroupSearch, a) if a.strip_prefix("profile.").is_some_and(property_name) => {
            Some(Column::Profile(a["profile.".len()..].to_string()))
        }
        (GroupFilter | GroupSearch, "type") => plain("type"),
        (GroupFilter | GroupSearch, "lastUpdated") => plain("last_updated"),
        (GroupFilter | GroupSearch, "lastMembershipUpdated") => plain("last_membership_updated"),
        _ => None,
    }
}

fn allowed(dialect: Dialect, attr: &str, op: Op) -> bool {
    use Dialect::*;
    use Op::*;
    let is_time = TIMESTAMPS.contains(&attr);
    match dialect {
        UserFilter => op == Eq || (attr == "lastUpdated" && matches!(op, Gt | Ge | Lt | Le)),
        UserSearch => match op {
            Ne | Ew => false,
            Co => matches!(attr, "profile.firstName" | "profile.lastName" | "profile.email" | "profile.login"),
            _ => true,
        },
        GroupFilter => op == Eq || (is_time && matches!(op, Gt | Ge | Lt | Le)),
        GroupSearch => match op {
            Eq | Sw => true,
            Co => matches!(attr, "profile.name" | "profile.description"),
            Gt | Ge | Lt | Le => is_time,
            Pr => attr.starts_with("profile."),
            Ne | Ew => false,
        },
    }
}

/// The SQL expression to order by for `sortBy=<attr>` (search only), case-insensitively.
pub fn sort_expr(dialect: Dialect, attr: &str) -> Option<String> {
    Some(match column(dialect, attr)? {
        Column::Plain(c, _) => format!("lower(coalesce({c}, ''))"),
        Column::Profile(key) => format!("lower(coalesce(json_extract(profile, '$.\"{key}\"'), ''))"),
    })
}

/// A `WHERE` condition and its bound values, in order.
#[derive(Debug, PartialEq)]
pub struct Sql {
    pub condition: String,
    pub params: Vec<String>,
}

/// Validates a date literal (`2013-06-01T00:00:00.000Z`, offset or `Z`, fraction optional) and
/// returns it in the stored format so that text comparison is chronological.
fn normalise_date(value: &str) -> Result<String, QueryError> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|d| crate::ids::okta_time(d.to_utc()))
        .map_err(|_| QueryError::Date(value.to_string()))
}

/// Escapes `\`, `%` and `_` for a `LIKE … ESCAPE '\'` pattern.
pub fn escape_like(value: &str) -> String {
    value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Checks `expr` against `dialect` and compiles it. Values are bound, never spliced.
pub fn compile(expr: &Expr, dialect: Dialect) -> Result<Sql, QueryError> {
    let mut params = Vec::new();
    let condition = compile_into(expr, dialect, &mut params)?;
    Ok(Sql { condition, params })
}

fn compile_into(expr: &Expr, dialect: Dialect, params: &mut Vec<String>) -> Result<String, QueryError> {
    match expr {
        Expr::And(a, b) => {
            Ok(format!("({} AND {})", compile_into(a, dialect, params)?, compile_into(b, dialect, params)?))
        }
        Expr::Or(a, b) => {
            Ok(format!("({} OR {})", compile_into(a, dialect, params)?, compile_into(b, dialect, params)?))
        }
        Expr::Not(_) => Err(QueryError::Unsupported("not".into())),
        Expr::Cmp { attr, op, value } => {
            let col = column(dialect, attr).ok_or_else(|| QueryError::Unsupported(attr.clone()))?;
            if !allowed(dialect, attr, *op) {
                return Err(QueryError::Unsupported(format!("{attr} {op:?}")));
            }
            let (sql_col, is_time) = match &col {
                Column::Plain(c, t) => (c.to_string(), *t),
                Column::Profile(key) => (format!("json_extract(profile, '$.\"{key}\"')"), false),
            };
            if *op == Op::Pr {
                return Ok(format!("({sql_col} IS NOT NULL AND {sql_col} != '')"));
            }
            // search is case-insensitive for values; filter is not.
            let ci = matches!(dialect, Dialect::UserSearch | Dialect::GroupSearch);
            let (lhs, text) = match value {
                Some(Literal::Str(s)) => {
                    let v = if is_time { normalise_date(s)? } else { s.clone() };
                    (
                        if ci && !is_time { format!("lower({sql_col})") } else { sql_col.clone() },
                        Some(if ci && !is_time { v.to_lowercase() } else { v }),
                    )
                }
                Some(Literal::Num(n)) => (sql_col.clone(), Some(n.to_string())),
                Some(Literal::Bool(b)) => (sql_col.clone(), Some(if *b { "1" } else { "0" }.to_string())),
                Some(Literal::Null) | None => (sql_col.clone(), None),
            };
            let Some(text) = text else {
                return match op {
                    Op::Eq => Ok(format!("({sql_col} IS NULL)")),
                    _ => Err(QueryError::Unsupported("null".into())),
                };
            };
            let num = matches!(value, Some(Literal::Num(_)));
            let rhs = if num { "CAST(? AS REAL)" } else { "?" };
            let sql = match op {
                Op::Eq => format!("{lhs} = {rhs}"),
                Op::Ne => format!("{lhs} != {rhs}"),
                Op::Gt => format!("{lhs} > {rhs}"),
                Op::Ge => format!("{lhs} >= {rhs}"),
                Op::Lt => format!("{lhs} < {rhs}"),
                Op::Le => format!("{lhs} <= {rhs}"),
                Op::Sw | Op::Co | Op::Ew => {
                    let pattern = match op {
                        Op::Sw => format!("{}%", escape_like(&text)),
                        Op::Co => format!("%{}%", escape_like(&text)),
                        _ => format!("%{}", escape_like(&text)),
                    };
                    params.push(pattern);
                    return Ok(format!("({lhs} LIKE ? ESCAPE '\\')"));
                }
                Op::Pr => unreachable!("handled above"),
            };
            params.push(text);
            Ok(format!("({sql})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(input: &str, d: Dialect) -> Result<Sql, QueryError> {
        compile(&parse(input)?, d)
    }

    #[test]
    fn parses_precedence_and_parentheses() {
        let e = parse(r#"a eq "1" or b eq "2" and c eq "3""#).expect("parses");
        assert!(matches!(e, Expr::Or(_, ref r) if matches!(**r, Expr::And(_, _))));
        let e = parse(r#"(a eq "1" or b eq "2") and c eq "3""#).expect("parses");
        assert!(matches!(e, Expr::And(ref l, _) if matches!(**l, Expr::Or(_, _))));
    }

    #[test]
    fn operators_are_case_insensitive_and_strings_unescape() {
        let e = parse(r#"profile.lastName EQ "bob\"smith\\x""#).expect("parses");
        assert_eq!(
            e,
            Expr::Cmp {
                attr: "profile.lastName".into(),
                op: Op::Eq,
                value: Some(Literal::Str("bob\"smith\\x".into()))
            }
        );
    }

    #[test]
    fn syntax_errors_are_syntax_errors() {
        for bad in [
            "",
            "status",
            "status eq",
            r#"status eq "ACTIVE"#,
            r#"status eq ACTIVE"#,
            r#"(status eq "ACTIVE""#,
            r#"status eq "A" and"#,
            r#"status+eq+"ACTIVE""#,
            r#"status eq "A" "B""#,
            r#"status xx "A""#,
            r#"status eq "bad\escape""#,
        ] {
            assert_eq!(parse(bad).map(|_| ()), Err(QueryError::Syntax), "{bad}");
        }
    }

    #[test]
    fn user_filter_allows_only_what_okta_does() {
        assert!(sql(r#"status eq "LOCKED_OUT""#, Dialect::UserFilter).is_ok());
        assert!(
            sql(
                r#"lastUpdated gt "2013-06-01T00:00:00.000Z" and (status eq "LOCKED_OUT" or status eq "RECOVERY")"#,
                Dialect::UserFilter
            )
            .is_ok()
        );
        for unsupported in [
            r#"status sw "A""#,
            r#"profile.title eq "x""#,
            r#"not status eq "A""#,
            r#"created gt "2013-06-01T00:00:00.000Z""#,
        ] {
            assert!(matches!(sql(unsupported, Dialect::UserFilter), Err(QueryError::Unsupported(_))), "{unsupported}");
        }
    }

    #[test]
    fn user_search_is_case_insensitive_and_refuses_ne() {
        let s = sql(r#"profile.department eq "Engineering" and status eq "ACTIVE""#, Dialect::UserSearch).expect("ok");
        assert_eq!(s.params, vec!["engineering", "active"]);
        assert!(s.condition.contains("lower(json_extract(profile, '$.\"department\"'))"));
        assert!(matches!(sql(r#"status ne "ACTIVE""#, Dialect::UserSearch), Err(QueryError::Unsupported(_))));
        assert!(matches!(sql(r#"profile.title co "x""#, Dialect::UserSearch), Err(QueryError::Unsupported(_))));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        let s = sql(r#"profile.lastName sw "50%_off""#, Dialect::UserSearch).expect("ok");
        assert_eq!(s.params, vec!["50\\%\\_off%"]);
    }

    #[test]
    fn dates_are_validated_and_normalised() {
        let s = sql(r#"lastUpdated gt "2014-01-01T00:00:00Z""#, Dialect::UserSearch).expect("ok");
        assert_eq!(s.params, vec!["2014-01-01T00:00:00.000Z"]);
        assert!(matches!(sql(r#"lastUpdated gt "yesterday""#, Dialect::UserSearch), Err(QueryError::Date(_))));
    }

    #[test]
    fn injection_stays_a_literal() {
        // Attribute names are checked against the grammar before they reach SQL (sort and filter).
        for evil in [
            "profile.a\"'), ''), (SELECT private_key FROM keys)) --",
            "profile.x') OR 1=1 --",
            "profile.\"",
            "profile.1abc",
            "profile.a b",
        ] {
            assert!(sort_expr(Dialect::UserSearch, evil).is_none(), "{evil}");
            assert!(sort_expr(Dialect::GroupSearch, evil).is_none(), "{evil}");
        }
        assert!(sort_expr(Dialect::UserSearch, "profile.employee_Number2").is_some());
        let s = sql(r#"profile.lastName eq "x') OR 1=1 --""#, Dialect::UserSearch).expect("ok");
        assert_eq!(s.params, vec!["x') or 1=1 --"]);
        assert!(!s.condition.contains("1=1"));
    }

    #[test]
    fn group_dialects() {
        assert!(
            sql(r#"type eq "OKTA_GROUP" and lastUpdated gt "2016-11-11T00:00:00.000Z""#, Dialect::GroupFilter).is_ok()
        );
        assert!(sql(r#"profile.name sw "Eng""#, Dialect::GroupSearch).is_ok());
        assert!(matches!(sql(r#"profile.name sw "Eng""#, Dialect::GroupFilter), Err(QueryError::Unsupported(_))));
    }
}
