//! The built site (`portico-site` writes it): asset names from its manifest, and how `/pkg` is
//! served — the brotli or gzip copy the build made beside each file, and hashed names marked
//! immutable so a browser fetches each build's WASM once.

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use leptos::config::LeptosOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::CompressionLevel;
use tower_http::compression::{
    CompressionLayer, Predicate,
    predicate::{NotForContentType, SizeAbove},
};
use tower_http::services::ServeDir;

const MANIFEST: &str = "hash.txt";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// What the server knows of the site on disk, read once at start.
#[derive(Clone, Debug)]
pub struct Site {
    root: PathBuf,
    /// `hash.txt`, when the site was built with hashed names (absolute: Leptos joins it to the
    /// executable's directory, which an absolute path replaces).
    manifest: Option<PathBuf>,
    css_href: String,
}

impl Site {
    pub fn load(root: &Path) -> Site {
        let manifest = root.join(MANIFEST);
        let css = std::fs::read_to_string(&manifest).ok().and_then(|text| {
            text.lines().find_map(|line| line.strip_prefix("css:").map(|hash| format!("portico.{}.css", hash.trim())))
        });
        let manifest = css.is_some().then(|| std::path::absolute(&manifest).unwrap_or(manifest));
        Site {
            root: root.to_path_buf(),
            manifest,
            css_href: format!("/pkg/{}", css.as_deref().unwrap_or("portico.css")),
        }
    }

    /// The stylesheet's address, for pages rendered outside Leptos.
    pub fn css_href(&self) -> &str {
        &self.css_href
    }

    pub fn leptos_options(&self, addr: std::net::SocketAddr) -> LeptosOptions {
        let hashed = LeptosOptions::builder()
            .output_name("portico")
            .site_root(self.root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .hash_files(self.manifest.is_some());
        match &self.manifest {
            Some(path) => hashed.hash_file(Arc::from(path.to_string_lossy().as_ref())).build(),
            None => hashed.build(),
        }
    }

    /// `/pkg/*`: precompressed copies when the browser takes them; cached for a year when the
    /// name carries the content hash, revalidated otherwise (a `cargo leptos watch` build).
    pub fn pkg_routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let files = ServeDir::new(self.root.join("pkg")).precompressed_br().precompressed_gzip();
        Router::new().nest_service("/pkg", files).layer(axum::middleware::from_fn(cache_headers))
    }
}

/// Brotli or gzip for what the server renders (pages, server-function answers, the audit CSV),
/// at a level cheap enough to do per response; files the build precompressed pass through.
/// Small answers are left alone: compressing them costs more than it saves.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let worth_it = SizeAbove::new(1024).and(NotForContentType::IMAGES).and(NotForContentType::SSE);
    CompressionLayer::new().quality(CompressionLevel::Precise(4)).compress_when(worth_it)
}

async fn cache_headers(req: Request, next: Next) -> Response {
    let immutable = is_hashed(req.uri().path());
    let mut res = next.run(req).await;
    let found = res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED;
    let policy = if !found {
        "no-store"
    } else if immutable {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// `portico.<16 hex digits>.<ext>`, the names the site build gives.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("portico"), Some(hash), Some(_), None) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_hashed("/pkg/portico.0123456789abcdef.wasm"));
        assert!(!is_hashed("/pkg/portico.wasm"));
        assert!(!is_hashed("/pkg/portico.0123456789abcdeg.js"));
        assert!(!is_hashed("/pkg/snippets/x/inline0.js"));
    }

    #[test]
    fn without_a_manifest_the_plain_names_are_used() {
        let dir = tempfile::tempdir().unwrap();
        let site = Site::load(dir.path());
        assert_eq!(site.css_href(), "/pkg/portico.css");
        assert!(!site.leptos_options("127.0.0.1:1".parse().unwrap()).hash_files);
        std::fs::write(dir.path().join(MANIFEST), "js: a\nwasm: b\ncss: 0123456789abcdef\n").unwrap();
        let site = Site::load(dir.path());
        assert_eq!(site.css_href(), "/pkg/portico.0123456789abcdef.css");
        let options = site.leptos_options("127.0.0.1:1".parse().unwrap());
        assert!(options.hash_files && Path::new(options.hash_file.as_ref()).is_absolute());
    }
}
