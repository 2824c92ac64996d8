//! Saved views of the people list: per person, named, the link is the view, a plain form saves
//! one without JavaScript.
use crate::helpers::{fns::*, *};
use portico_app::people::PeopleQuery;
use reqwest::{StatusCode, header};

fn names(list: &serde_json::Value) -> Vec<(String, String)> {
    list.as_array()
        .expect("views")
        .iter()
        .map(|v| (v["name"].as_str().expect("name").to_string(), v["href"].as_str().expect("href").to_string()))
        .collect()
}

#[tokio::test]
async fn views_are_their_owners_named_and_open_the_filter_they_keep() {
    let app = spawn_app().await;
    let (ada, hal) = (app.session(ADMIN).await, app.session("hal.helpdesk@portico.example").await);
    let query = PeopleQuery {
        department: "Engineering".into(),
        sort: "name".into(),
        order: "desc".into(),
        after: "00uSomeCursor".into(),
        ..Default::default()
    };
    let (status, saved) = json(ada.call_fn(SaveView { name: " Engineers ".into(), query }).await).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["href"], "/people?department=Engineering&sort=name&order=desc", "no page cursor");
    let (_, list) = json(ada.call_fn(SavedViews {}).await).await;
    assert_eq!(
        names(&list),
        [("Engineers".to_string(), "/people?department=Engineering&sort=name&order=desc".to_string())]
    );
    // The link is the view: the list it opens is that filter.
    let page =
        ada.client.get(format!("{}{}", ada.base, saved["href"].as_str().expect("href"))).send().await.expect("page");
    let html = page.text().await.expect("html");
    assert!(html.contains("Ed Engineer") && !html.contains("Sam Sales"), "the filter applies");

    // Hal has none of Ada's, and cannot delete hers.
    let (_, theirs) = json(hal.call_fn(SavedViews {}).await).await;
    assert!(names(&theirs).is_empty());
    let id = saved["id"].as_str().expect("id").to_string();
    assert_eq!(hal.call_fn(DeleteView { id: id.clone() }).await.status(), StatusCode::NOT_FOUND);
    // A name is needed.
    let (status, err) = json(ada.call_fn(SaveView { name: "  ".into(), query: PeopleQuery::default() }).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(ada.call_fn(DeleteView { id }).await.status(), StatusCode::OK);
    let (_, list) = json(ada.call_fn(SavedViews {}).await).await;
    assert!(names(&list).is_empty());

    // Someone who may not view people keeps no views.
    let ivy = app.session("ivy.intern@portico.example").await;
    let res = ivy.call_fn(SaveView { name: "Mine".into(), query: PeopleQuery::default() }).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// Without JavaScript the page's own form saves the view and comes back to the list.
#[tokio::test]
async fn the_pages_plain_form_saves_a_view_and_returns_to_the_list() {
    let app = spawn_app().await;
    let ada = app.session(ADMIN).await;
    let list = format!("{}/people?q=ed", ada.base);
    let html = ada.client.get(&list).send().await.expect("page").text().await.expect("html");
    assert!(
        html.contains(r#"action="/api/people/views/save""#) && html.contains(r#"name="query[q]" value="ed""#),
        "the form carries the filter shown"
    );
    let res = ada
        .client
        .post(format!("{}/api/people/views/save", ada.base))
        .header(header::ORIGIN, &ada.base)
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, &list)
        .form(&[("name", "Eds"), ("query[q]", "ed"), ("query[status]", "")])
        .send()
        .await
        .expect("post");
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(location(&res), list, "back to the list it was saved from");
    let html = ada.client.get(&list).send().await.expect("page").text().await.expect("html");
    assert!(html.contains(r#"href="/people?q=ed""#) && html.contains(">Eds<"), "the view is listed");
}
