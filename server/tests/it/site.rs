//! The site as served: pages name the content-hashed assets; `/pkg` answers with the copy the
//! build precompressed for what the browser accepts, immutable; rendered answers are compressed.

use crate::helpers::*;
use portico_site::{Bundle, Effort, content_hash};
use reqwest::header;

fn raw_client() -> reqwest::Client {
    // No automatic decompression: the test sees what went over the wire.
    reqwest::Client::builder()
        .cookie_store(true)
        .no_gzip()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn pages_name_hashed_assets_which_are_served_precompressed_and_immutable() {
    let site = tempfile::tempdir().expect("tempdir");
    let bundle = Bundle {
        js: b"export default async function init() {}\n".repeat(100),
        wasm: [b"\0asm\x01\0\0\0".as_slice(), &[7u8; 4096]].concat(),
        css: b"body { margin: 0 }\n".repeat(100),
        snippets: None,
    };
    portico_site::publish(site.path(), &bundle, None, Effort::Fast).expect("publish");
    std::fs::write(site.path().join("pkg/unhashed.js"), "// a `cargo leptos watch` build\n").expect("write");
    let root = site.path().to_path_buf();
    let app = spawn_app_with(move |c| c.server.site_root = root).await;
    let (js, wasm, css) = (content_hash(&bundle.js), content_hash(&bundle.wasm), content_hash(&bundle.css));

    // The page names this build's files.
    let admin = app.session(ADMIN).await;
    let html = admin.client.get(format!("{}/people", app.base)).send().await.expect("page").text().await.expect("html");
    for name in
        [format!("/pkg/portico.{js}.js"), format!("/pkg/portico.{wasm}.wasm"), format!("/pkg/portico.{css}.css")]
    {
        assert!(html.contains(&name), "page does not name {name}");
    }

    let wire = raw_client();
    let wasm_url = format!("{}/pkg/portico.{wasm}.wasm", app.base);
    for (accept, encoding, suffix) in
        [("br, gzip", Some("br"), ".br"), ("gzip", Some("gzip"), ".gz"), ("identity", None, "")]
    {
        let res = wire.get(&wasm_url).header(header::ACCEPT_ENCODING, accept).send().await.expect("asset");
        assert_eq!(res.status(), 200);
        let h = res.headers().clone();
        assert_eq!(h.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()), encoding, "accept {accept}");
        assert_eq!(h[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(h[header::VARY], "accept-encoding");
        let file = site.path().join(format!("pkg/portico.{wasm}.wasm{suffix}"));
        assert_eq!(res.bytes().await.expect("body").as_ref(), std::fs::read(file).expect("file"), "accept {accept}");
    }

    // A name without a hash may change under the same URL: revalidated. A missing one: not kept.
    let res = wire.get(format!("{}/pkg/unhashed.js", app.base)).send().await.expect("asset");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
    let res = wire.get(format!("{}/pkg/portico.0000000000000000.js", app.base)).send().await.expect("asset");
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");

    // Rendered pages are compressed for a browser that accepts it; tiny answers are not.
    portico_testkit::sign_in(&wire, &app.base, ADMIN, PASSWORD).await.expect("signs in");
    for accept in ["br", "gzip"] {
        let res = wire
            .get(format!("{}/people", app.base))
            .header(header::ACCEPT_ENCODING, accept)
            .send()
            .await
            .expect("page");
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()[header::CONTENT_ENCODING], accept);
    }
    let res =
        wire.get(format!("{}/healthz", app.base)).header(header::ACCEPT_ENCODING, "gzip").send().await.expect("health");
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());

    // The sign-in error page, rendered outside Leptos, uses the hashed stylesheet too.
    let res = browser().get(format!("{}/auth/callback?code=x&state=y", app.base)).send().await.expect("callback");
    let body = res.text().await.expect("body");
    assert!(body.contains(&format!("/pkg/portico.{css}.css")), "{body}");
}

/// Leptos holds back every resource in the process while a portal works out its routes
/// (leptos#4773), and a page whose resource first ran in that moment never finished. Portals
/// starting beside a serving one (replicas, these tests) leave its pages whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_finish_while_another_portal_starts() {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };
    let app = spawn_app().await;
    let admin = app.session(ADMIN).await;
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..5)
        .map(|_| {
            let (client, url, done) = (admin.client.clone(), format!("{}/people", app.base), done.clone());
            tokio::spawn(async move {
                let mut pages = 0;
                while !done.load(Ordering::SeqCst) {
                    let res = client.get(&url).timeout(std::time::Duration::from_secs(20)).send().await;
                    let html =
                        res.expect("page").text().await.unwrap_or_else(|e| panic!("page {pages} did not finish: {e}"));
                    assert!(html.contains("</html>"), "a whole page");
                    pages += 1;
                }
                pages
            })
        })
        .collect();
    for _ in 0..12 {
        spawn_app().await.portal.stop().await;
    }
    done.store(true, Ordering::SeqCst);
    for r in readers {
        assert!(r.await.expect("reader") > 0, "pages were read while portals started");
    }
}
