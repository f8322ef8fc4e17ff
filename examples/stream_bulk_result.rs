//! Streams a bulk-operation result of a million JSONL lines and reports peak memory.
//!
//! Run with:
//! ```sh
//! cargo run --release --example stream_bulk_result            # 1,000,000 lines
//! cargo run --release --example stream_bulk_result -- 3000000 # any number of lines
//! ```
//!
//! A small HTTP server on loopback generates the file on the fly (product variants, each with
//! two bundle-component children, as Shopify writes them), so neither side ever holds the file.
//! The client downloads it with `Client::bulk_nodes`, which reads line by line and groups
//! children under their parent. The example prints lines, bytes, time and the process's peak
//! resident memory (Linux `VmHWM`), and exits with status 1 if the peak passes 64 MiB.

use std::time::Instant;

use futures::StreamExt;
use stokly_shopify::shopify::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const LIMIT_MIB: u64 = 64;

fn line(i: u64, out: &mut String) {
    use std::fmt::Write;
    // One variant in three is a root; the other two are its component rows.
    let root = i / 3;
    if i % 3 == 0 {
        let _ = writeln!(
            out,
            r#"{{"id":"gid:\/\/shopify\/ProductVariant\/{root}","sku":"SKU-{root:08}","barcode":"50{root:011}","title":"Default Title","price":"19.99","requiresComponents":true,"inventoryItem":{{"id":"gid:\/\/shopify\/InventoryItem\/{root}","tracked":true}}}}"#
        );
    } else {
        let _ = writeln!(
            out,
            r#"{{"id":"gid:\/\/shopify\/ProductVariantComponent\/{i}","quantity":{q},"productVariant":{{"id":"gid:\/\/shopify\/ProductVariant\/{c}","sku":"SKU-{c:08}"}},"__parentId":"gid:\/\/shopify\/ProductVariant\/{root}"}}"#,
            q = i % 3,
            c = i + 7
        );
    }
}

async fn serve(listener: TcpListener, lines: u64) -> std::io::Result<()> {
    let (mut socket, _) = listener.accept().await?;
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    socket
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/jsonl\r\ntransfer-encoding: chunked\r\n\r\n")
        .await?;
    let mut chunk = String::with_capacity(80 * 1024);
    let mut i = 0;
    while i < lines {
        chunk.clear();
        while chunk.len() < 64 * 1024 && i < lines {
            line(i, &mut chunk);
            i += 1;
        }
        socket
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await?;
        socket.write_all(chunk.as_bytes()).await?;
        socket.write_all(b"\r\n").await?;
    }
    socket.write_all(b"0\r\n\r\n").await?;
    socket.flush().await
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lines: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(serve(listener, lines));

    let client = Client::builder()
        .shop("acme-store.myshopify.com")
        .access_token("not-sent-to-the-download")
        .base_url(format!("http://{addr}"))
        .build()?;
    let started = Instant::now();
    let before = peak_rss_kib();
    let mut nodes = client.bulk_nodes(&format!("http://{addr}/result.jsonl"));
    let (mut roots, mut children) = (0u64, 0u64);
    while let Some(node) = nodes.next().await {
        let node = node?;
        roots += 1;
        children += node.children.len() as u64;
    }
    server.await??;
    let elapsed = started.elapsed();
    println!(
        "streamed {} lines ({roots} parents, {children} children) in {:.2?}",
        roots + children,
        elapsed
    );
    match (before, peak_rss_kib()) {
        (Some(before), Some(peak)) => {
            println!(
                "peak resident memory: {:.1} MiB (before streaming {:.1} MiB; limit {LIMIT_MIB} MiB)",
                peak as f64 / 1024.0,
                before as f64 / 1024.0
            );
            if peak > LIMIT_MIB * 1024 {
                eprintln!("peak memory is over the {LIMIT_MIB} MiB target");
                std::process::exit(1);
            }
        }
        _ => println!("peak resident memory: not available on this platform"),
    }
    if roots + children != lines {
        eprintln!("expected {lines} lines");
        std::process::exit(1);
    }
    Ok(())
}
