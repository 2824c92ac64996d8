//! `portico-site [--release] [--out DIR]`: builds the site the server serves.
//!
//! 1. the browser crate for `wasm32-unknown-unknown` (its own target dir, so it can build while
//!    the server does);
//! 2. wasm-bindgen, as a library at the version Cargo.lock pins;
//! 3. in release, `wasm-opt -Oz` from npm's binaryen (Debian's is too old: its output fails to
//!    hydrate);
//! 4. [`portico_site::publish`]: hashed names, brotli and gzip copies, the manifest.
//!
//! The same output cargo-leptos gives, without a separate tool to install and keep in step.
//! `cargo leptos watch` still works for live reload during development.

use anyhow::{Context, Result, bail};
use portico_site::{Bundle, Effort, OUTPUT_NAME, publish};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const USAGE: &str = "usage: portico-site [--release] [--out DIR]\n\
  Builds the browser bundle and publishes it, hashed and precompressed, in DIR\n\
  (default target/site; `make test` uses target/site-test).";

fn main() {
    if let Err(e) = run() {
        eprintln!("portico-site: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().context("finding the workspace")?;
    let mut release = false;
    let mut out = root.join("target/site");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--release" => release = true,
            "--out" => out = PathBuf::from(args.next().context("--out needs a directory")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let started = Instant::now();

    let profile = if release { "wasm-release" } else { "debug" };
    let front_target = root.join("target/front");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(&root).args(["build", "--locked", "-p", "portico-frontend", "--lib"]);
    build.args(["--target", "wasm32-unknown-unknown", "--target-dir"]).arg(&front_target);
    if release {
        build.args(["--profile", "wasm-release"]);
    }
    let status = build.status().context("running cargo")?;
    if !status.success() {
        bail!("the browser crate did not build");
    }
    let input = front_target.join("wasm32-unknown-unknown").join(profile).join("portico_frontend.wasm");

    let generated = out.join(".bindgen");
    let _ = std::fs::remove_dir_all(&generated);
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&input)
        .out_name(OUTPUT_NAME)
        .web(true)?
        .typescript(false)
        .generate(&generated)
        .context("wasm-bindgen")?;
    let wasm_path = generated.join(format!("{OUTPUT_NAME}_bg.wasm"));
    if release {
        optimize(&root, &wasm_path)?;
    }

    let snippets = generated.join("snippets");
    let bundle = Bundle {
        js: std::fs::read(generated.join(format!("{OUTPUT_NAME}.js")))?,
        wasm: std::fs::read(&wasm_path)?,
        css: std::fs::read(root.join("style/main.css")).context("reading style/main.css")?,
        snippets: snippets.exists().then_some(snippets),
    };
    let effort = if release { Effort::Best } else { Effort::Fast };
    let published = publish(&out, &bundle, Some(&root.join("public")), effort)?;
    let _ = std::fs::remove_dir_all(&generated);

    println!("{:<40} {:>10} {:>10} {:>10}", "published", "raw", "gzip", "brotli");
    let size = |n: Option<u64>| n.map_or("-".to_string(), |n| n.to_string());
    for p in &published {
        let name = p.path.strip_prefix(&out).unwrap_or(&p.path).display().to_string();
        println!("{name:<40} {:>10} {:>10} {:>10}", p.raw, size(p.gzip), size(p.brotli));
    }
    println!("site ready in {} ({:.1} s)", out.display(), started.elapsed().as_secs_f64());
    Ok(())
}

/// `wasm-opt -Oz` in place, with the flags cargo-leptos uses; refuses a binaryen too old to
/// produce WASM that hydrates.
fn optimize(root: &Path, wasm: &Path) -> Result<()> {
    let local = root.join("node_modules/.bin/wasm-opt");
    let exe = if local.exists() { local } else { PathBuf::from("wasm-opt") };
    let version = Command::new(&exe)
        .arg("--version")
        .output()
        .with_context(|| format!("running {} (npm ci installs it)", exe.display()))?;
    let text = String::from_utf8_lossy(&version.stdout);
    let number: u32 = text.split_whitespace().nth(2).and_then(|v| v.parse().ok()).unwrap_or(0);
    if number < 116 {
        bail!("{} is {:?}; binaryen 116 or newer is needed (npm's binaryen, not Debian's)", exe.display(), text.trim());
    }
    let status = Command::new(&exe)
        .args(["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int"])
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .status()?;
    if !status.success() {
        bail!("wasm-opt failed");
    }
    Ok(())
}
