//! CSV exports: every page of a list of people, streamed a page at a time (bounded memory
//! however long the list), each cell quoted and made inert for spreadsheets. Whoever starts an
//! export is told when it ends, with how many rows went out, to audit it.

use crate::okta::{OktaError, Page, User};
use futures_util::{Stream, StreamExt};
use std::future::Future;

/// One cell: quoted, inner quotes doubled, and a leading `=`, `+`, `-`, `@`, tab or carriage
/// return neutralised (a spreadsheet would run it as a formula).
pub fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
    format!("\"{}\"", v.replace('"', "\"\""))
}

/// The columns the people list shows, with Okta's ids first.
pub const PEOPLE_HEADER: &str = "id,name,login,status,department,title,last_sign_in\n";

/// People as CSV rows (no header).
pub fn people_rows(users: &[User]) -> String {
    let mut out = String::new();
    for u in users {
        let name = u.display_name();
        let cells = [
            u.id.as_str(),
            name.as_str(),
            u.field("login").unwrap_or_default(),
            u.status.as_str(),
            u.field("department").unwrap_or_default(),
            u.field("title").unwrap_or_default(),
            u.last_login.as_deref().unwrap_or_default(),
        ];
        out.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// How an export ended: the rows sent, and what stopped it early, if something did.
pub struct Ended {
    pub rows: usize,
    pub error: Option<OktaError>,
}

enum Step<P, E> {
    Header(P, E),
    Page { pages: P, end: E, after: Option<String>, rows: usize },
    End(E, Ended),
    Done,
}

/// The header, then every page `pages(after)` yields (following `next` until there is none),
/// then `end` with the count (or with the error that cut it short, after the rows already sent).
pub fn people_csv<P, PF, E, EF>(pages: P, end: E) -> impl Stream<Item = Result<String, std::io::Error>> + Send
where
    P: Fn(Option<String>) -> PF + Send + 'static,
    PF: Future<Output = Result<Page<User>, OktaError>> + Send,
    E: FnOnce(Ended) -> EF + Send + 'static,
    EF: Future<Output = ()> + Send,
{
    futures_util::stream::unfold(Step::Header(pages, end), |step| async move {
        match step {
            Step::Header(pages, end) => {
                Some((Ok(PEOPLE_HEADER.to_string()), Step::Page { pages, end, after: None, rows: 0 }))
            }
            Step::Page { pages, end, after, rows } => match pages(after).await {
                Ok(page) => {
                    let chunk = people_rows(&page.items);
                    let rows = rows + page.items.len();
                    let next = match page.next {
                        Some(after) => Step::Page { pages, end, after: Some(after), rows },
                        None => Step::End(end, Ended { rows, error: None }),
                    };
                    Some((Ok(chunk), next))
                }
                Err(e) => {
                    let message = e.summary.clone();
                    end(Ended { rows, error: Some(e) }).await;
                    Some((Err(std::io::Error::other(message)), Step::Done))
                }
            },
            Step::End(end, ended) => {
                end(ended).await;
                None
            }
            Step::Done => None,
        }
    })
    // A body may be polled again after its end (the compression layer does).
    .fuse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::sync::{Arc, Mutex};

    fn user(id: &str, first: &str) -> User {
        User::parse(&serde_json::json!({
            "id": id,
            "status": "ACTIVE",
            "profile": { "login": format!("{id}@x"), "firstName": first, "lastName": "L", "department": "=SUM(A1)" },
        }))
        .expect("user")
    }

    #[tokio::test]
    async fn every_page_is_streamed_and_the_end_is_told_once() {
        let ended: Arc<Mutex<Vec<(usize, bool)>>> = Arc::default();
        let told = ended.clone();
        let pages = |after: Option<String>| async move {
            Ok(match after.as_deref() {
                None => Page { items: vec![user("u1", "Ann"), user("u2", "Bo \"B\"")], next: Some("c2".into()) },
                Some("c2") => Page { items: vec![user("u3", "Cy")], next: None },
                Some(other) => panic!("unexpected cursor {other}"),
            })
        };
        let end = move |e: Ended| async move {
            told.lock().expect("lock").push((e.rows, e.error.is_some()));
        };
        let chunks: Vec<String> = people_csv(pages, end).map(|c| c.expect("chunk")).collect().await;
        let csv = chunks.concat();
        assert_eq!(csv.lines().count(), 4, "{csv}");
        assert!(csv.starts_with(PEOPLE_HEADER));
        assert!(csv.contains("\"Bo \"\"B\"\" L\""), "quotes doubled: {csv}");
        assert!(csv.contains("\"'=SUM(A1)\""), "formulas made inert: {csv}");
        assert_eq!(*ended.lock().expect("lock"), vec![(3, false)]);
    }

    #[tokio::test]
    async fn a_failure_part_way_ends_the_stream_and_is_told() {
        let ended: Arc<Mutex<Vec<(usize, bool)>>> = Arc::default();
        let told = ended.clone();
        let pages = |after: Option<String>| async move {
            match after {
                None => Ok(Page { items: vec![user("u1", "Ann")], next: Some("c2".into()) }),
                Some(_) => Err(OktaError::timeout()),
            }
        };
        let end = move |e: Ended| async move {
            told.lock().expect("lock").push((e.rows, e.error.is_some()));
        };
        let chunks: Vec<Result<String, std::io::Error>> = people_csv(pages, end).collect().await;
        assert_eq!(chunks.len(), 3, "header, one page, the error");
        assert!(chunks[2].is_err());
        assert_eq!(*ended.lock().expect("lock"), vec![(1, true)]);
    }
}
