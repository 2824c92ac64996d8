//! Publishes a built browser bundle as the site Portico serves: content-hashed names (so the
//! server can mark them immutable), a brotli and a gzip copy beside every file (so nothing is
//! compressed per request), and `hash.txt`, the manifest Leptos reads to name them in pages.
//!
//! The binary (`portico-site`) builds the bundle first; this library is the part tests use too.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};

/// The output name Leptos is compiled with (`LEPTOS_OUTPUT_NAME` in `.cargo/config.toml`).
pub const OUTPUT_NAME: &str = "portico";
/// The manifest in the site root: `js: <hash>`, `wasm: <hash>`, `css: <hash>`, one a line.
pub const MANIFEST: &str = "hash.txt";

/// What goes into `pkg/`.
pub struct Bundle {
    pub js: Vec<u8>,
    pub wasm: Vec<u8>,
    pub css: Vec<u8>,
    /// wasm-bindgen's `snippets/` directory, when a crate ships inline JS.
    pub snippets: Option<PathBuf>,
}

/// How hard to compress: release builds are compressed once and served many times; debug
/// builds (tens of MB) are rebuilt often, so they get the fast setting.
#[derive(Clone, Copy, Debug)]
pub enum Effort {
    Best,
    Fast,
}

impl Effort {
    fn brotli_quality(self) -> i32 {
        match self {
            Effort::Best => 11,
            Effort::Fast => 1,
        }
    }
    fn gzip(self) -> flate2::Compression {
        match self {
            Effort::Best => flate2::Compression::best(),
            Effort::Fast => flate2::Compression::fast(),
        }
    }
}

/// One published file and its sizes.
#[derive(Debug, Clone)]
pub struct Published {
    pub path: PathBuf,
    pub raw: u64,
    pub gzip: Option<u64>,
    pub brotli: Option<u64>,
}

/// The first 16 hex digits of the SHA-256 of `bytes`: short, and still no collision in practice.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Writes `bundle` as `out/pkg/` and copies `public` into `out/`, all precompressed, then the
/// manifest. The new `pkg/` is built beside the old one and swapped in with a rename, so a
/// server reading the directory never sees it half written.
pub fn publish(out: &Path, bundle: &Bundle, public: Option<&Path>, effort: Effort) -> Result<Vec<Published>> {
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let staging = out.join(".pkg.new");
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)?;

    let hashes =
        [("js", content_hash(&bundle.js)), ("wasm", content_hash(&bundle.wasm)), ("css", content_hash(&bundle.css))];
    let mut published = Vec::new();
    for ((ext, hash), bytes) in hashes.iter().zip([&bundle.js, &bundle.wasm, &bundle.css]) {
        let path = staging.join(format!("{OUTPUT_NAME}.{hash}.{ext}"));
        fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        published.push(precompress(&path, effort)?);
    }
    if let Some(snippets) = &bundle.snippets {
        for file in copy_tree(snippets, &staging.join("snippets"))? {
            published.push(precompress(&file, effort)?);
        }
    }
    if let Some(public) = public {
        for file in copy_tree(public, out)? {
            published.push(precompress(&file, effort)?);
        }
    }

    let pkg = out.join("pkg");
    let old = out.join(".pkg.old");
    let _ = fs::remove_dir_all(&old);
    if pkg.exists() {
        fs::rename(&pkg, &old).context("moving the previous pkg/ aside")?;
    }
    fs::rename(&staging, &pkg).context("moving the new pkg/ into place")?;
    let _ = fs::remove_dir_all(&old);
    for item in &mut published {
        if let Ok(rest) = item.path.strip_prefix(&staging) {
            item.path = pkg.join(rest);
        }
    }

    let manifest: String = hashes.iter().map(|(ext, hash)| format!("{ext}: {hash}\n")).collect();
    let tmp = out.join(format!("{MANIFEST}.new"));
    fs::write(&tmp, manifest)?;
    fs::rename(&tmp, out.join(MANIFEST))?;
    Ok(published)
}

/// Writes `<file>.br` and `<file>.gz` beside `file`, each only when it is smaller.
pub fn precompress(file: &Path, effort: Effort) -> Result<Published> {
    use std::io::Write;
    let raw = fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: effort.brotli_quality(), lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params).context("brotli")?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), effort.gzip());
    gz.write_all(&raw)?;
    let gz = gz.finish()?;
    let keep = |suffix: &str, bytes: &[u8]| -> Result<Option<u64>> {
        let path = PathBuf::from(format!("{}.{suffix}", file.display()));
        if bytes.len() < raw.len() {
            fs::write(&path, bytes)?;
            Ok(Some(bytes.len() as u64))
        } else {
            let _ = fs::remove_file(&path);
            Ok(None)
        }
    };
    Ok(Published { path: file.to_path_buf(), raw: raw.len() as u64, gzip: keep("gz", &gz)?, brotli: keep("br", &br)? })
}

/// Copies the files under `from` into `to`, keeping relative paths; returns the copies.
fn copy_tree(from: &Path, to: &Path) -> Result<Vec<PathBuf>> {
    let mut copied = Vec::new();
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            copied.extend(copy_tree(&entry.path(), &target)?);
        } else {
            fs::copy(entry.path(), &target).with_context(|| format!("copying {}", entry.path().display()))?;
            copied.push(target);
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn bundle(tag: &str) -> Bundle {
        Bundle {
            js: format!("export default function init() {{ /* {tag} */ }}\n").repeat(40).into_bytes(),
            wasm: vec![0, 97, 115, 109, 1, 0, 0, 0],
            css: format!("body {{ margin: 0 }} /* {tag} */\n").repeat(40).into_bytes(),
            snippets: None,
        }
    }

    #[test]
    fn names_follow_content_and_the_manifest_lists_them() {
        let out = tempfile::tempdir().unwrap();
        let b = bundle("one");
        publish(out.path(), &b, None, Effort::Fast).unwrap();
        let manifest = fs::read_to_string(out.path().join(MANIFEST)).unwrap();
        let js = content_hash(&b.js);
        assert!(manifest.contains(&format!("js: {js}\n")), "{manifest}");
        assert!(out.path().join(format!("pkg/portico.{js}.js")).exists());
        // A changed file gets a new name; the old one is gone (pkg/ was swapped whole).
        let b2 = bundle("two");
        publish(out.path(), &b2, None, Effort::Fast).unwrap();
        assert!(!out.path().join(format!("pkg/portico.{js}.js")).exists());
        assert!(out.path().join(format!("pkg/portico.{}.js", content_hash(&b2.js))).exists());
        assert!(!out.path().join(".pkg.new").exists() && !out.path().join(".pkg.old").exists());
    }

    #[test]
    fn compressed_copies_decode_to_the_original_and_are_skipped_when_larger() {
        let out = tempfile::tempdir().unwrap();
        let b = bundle("x");
        let published = publish(out.path(), &b, None, Effort::Best).unwrap();
        let js = out.path().join(format!("pkg/portico.{}.js", content_hash(&b.js)));
        let mut decoded = Vec::new();
        brotli::Decompressor::new(fs::File::open(format!("{}.br", js.display())).unwrap(), 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, b.js);
        let mut gunzipped = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(format!("{}.gz", js.display())).unwrap())
            .read_to_end(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, b.js);
        // Eight bytes of WASM do not get smaller: no copy is written, none is listed.
        let wasm = published.iter().find(|p| p.path.extension().is_some_and(|e| e == "wasm")).unwrap();
        assert_eq!((wasm.gzip, wasm.brotli), (None, None));
        assert!(!PathBuf::from(format!("{}.gz", wasm.path.display())).exists());
    }
}
