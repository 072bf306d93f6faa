//! Repository archives are read back by the crates that read such archives
//! (`tar`, `flate2`, `bzip2`, `zip`) and hold the tree; blob ids, content
//! digests and key fingerprints are the ones git, GitLab and OpenSSH compute.

use super::*;
use gitlab_client::{Attrs, Gitlab};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Read;

/// Files and directories read from an archive: path → content (`None` for a directory).
type Listing = BTreeMap<String, Option<Vec<u8>>>;

async fn write(gl: &Gitlab, pid: u64, path: &str, content: &str) {
    gl.http_post(
        &format!(
            "/projects/{pid}/repository/files/{}",
            path.replace('/', "%2F")
        ),
        &Attrs::new()
            .set("branch", "main")
            .set("content", content)
            .set("commit_message", format!("Add {path}")),
    )
    .await
    .unwrap();
}

fn untar(r: impl Read) -> Listing {
    let mut a = tar::Archive::new(r);
    let mut out = Listing::new();
    for entry in a.entries().unwrap() {
        let mut e = entry.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let content = if e.header().entry_type().is_dir() {
            None
        } else {
            let mut v = Vec::new();
            e.read_to_end(&mut v).unwrap();
            Some(v)
        };
        out.insert(path, content);
    }
    out
}

fn unzip(body: &[u8]) -> Listing {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
    let mut out = Listing::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let content = if f.is_dir() {
            None
        } else {
            assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            Some(v)
        };
        out.insert(f.name().to_string(), content);
    }
    out
}

#[tokio::test]
async fn every_archive_format_unpacks_to_the_tree() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let pid = new_project(&emu, "packed").await;
    // A compressible file: a real compressor makes the archive much smaller than it.
    let big = "all work and no play\n".repeat(5_000);
    write(&gl, pid, "docs/deep/big.txt", &big).await;
    write(&gl, pid, "top.txt", "t\n").await;
    let head = gl
        .http_get(
            &format!("/projects/{pid}/repository/branches/main"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    let sha = head["commit"]["id"].as_str().unwrap().to_string();
    let prefix = format!("packed-main-{sha}");
    let dirs = ["", "docs/", "docs/deep/"];
    let mut want = Listing::new();
    for d in dirs {
        want.insert(format!("{prefix}/{d}"), None);
    }
    want.insert(
        format!("{prefix}/docs/deep/big.txt"),
        Some(big.clone().into_bytes()),
    );
    want.insert(format!("{prefix}/top.txt"), Some(b"t\n".to_vec()));

    let fetch = |path: String| {
        let url = api(&emu, &format!("/projects/{pid}/repository/{path}"));
        async move { send(http().get(url).header("PRIVATE-TOKEN", ADMIN_TOKEN)).await }
    };
    for (suffix, ctype) in [
        ("archive.tar", "application/x-tar"),
        ("archive.tar.gz", "application/gzip"),
        ("archive.tgz", "application/gzip"),
        ("archive", "application/gzip"),
        ("archive.tar.bz2", "application/x-bzip2"),
        ("archive.tbz2", "application/x-bzip2"),
        ("archive.zip", "application/zip"),
        ("archive?format=zip", "application/zip"),
    ] {
        let r = fetch(suffix.to_string()).await;
        assert_eq!(r.status, 200, "{suffix}");
        assert_eq!(r.header("content-type").as_deref(), Some(ctype), "{suffix}");
        let body = &r.body[..];
        let got = match ctype {
            "application/x-tar" => untar(body),
            "application/gzip" => untar(flate2::read::GzDecoder::new(body)),
            "application/x-bzip2" => untar(bzip2::read::BzDecoder::new(body)),
            _ => unzip(body),
        };
        assert_eq!(got, want, "{suffix}");
        if ctype != "application/x-tar" {
            assert!(
                body.len() < big.len() / 20,
                "{suffix} is not compressed: {} bytes for {} bytes of text",
                body.len(),
                big.len()
            );
        }
    }
    // A format GitLab does not know is not a route.
    assert_eq!(fetch("archive.rar".into()).await.status, 404);
    // `path` narrows the archive to a directory.
    let r = fetch("archive.tar?path=docs".into()).await;
    let got = untar(&r.body[..]);
    assert!(got.contains_key(&format!("{prefix}/docs/deep/big.txt")));
    assert!(!got.contains_key(&format!("{prefix}/top.txt")));
}

#[tokio::test]
async fn blob_ids_digests_and_fingerprints_are_the_real_ones() {
    let emu = demo().await;
    let gl = emu.client().unwrap();
    let pid = new_project(&emu, "digests").await;
    write(&gl, pid, "hello.txt", "hello\n").await;
    // `git hash-object` of "hello\n", and its SHA-256.
    let blob = "ce013625030ba8dba906f756967f9e9ca394464a";
    let f = gl
        .http_get(
            &format!("/projects/{pid}/repository/files/hello.txt"),
            &Attrs::new().set("ref", "main"),
        )
        .await
        .unwrap();
    assert_eq!(f["blob_id"], blob);
    assert_eq!(
        f["content_sha256"],
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
    let tree = gl
        .http_get(&format!("/projects/{pid}/repository/tree"), &Attrs::new())
        .await
        .unwrap();
    let entry = tree
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "hello.txt")
        .unwrap();
    assert_eq!(entry["id"], blob);
    let b = gl
        .http_get(
            &format!("/projects/{pid}/repository/blobs/{blob}"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(b["content"], "aGVsbG8K");
    // Base64 content without padding and with line breaks is read as GitLab reads it.
    gl.http_post(
        &format!("/projects/{pid}/repository/files/b64.txt"),
        &Attrs::new()
            .set("branch", "main")
            .set("encoding", "base64")
            .set("content", "aGVs\nbG8K")
            .set("commit_message", "b64"),
    )
    .await
    .unwrap();
    let raw = gl
        .http_get_raw(
            &format!("/projects/{pid}/repository/files/b64.txt/raw"),
            &Attrs::new(),
        )
        .await
        .unwrap();
    assert_eq!(&raw[..], b"hello\n");
    // SSH keys: MD5 and SHA-256 fingerprints as `ssh-keygen -l` prints them.
    let key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDhello alice@example.com";
    let k = gl
        .http_post(
            "/users/1/keys",
            &Attrs::new().set("title", "k").set("key", key),
        )
        .await
        .unwrap();
    let by_id = gl
        .http_get(&format!("/keys/{}", k["id"]), &Attrs::new())
        .await
        .unwrap();
    assert_eq!(
        by_id["fingerprint"],
        "ec:88:a9:18:cf:36:70:59:d3:35:df:f6:d6:3c:4c:91"
    );
    let sha = "SHA256:WYN9vToQNJpDTC1bzbpCyYtuIlv4pA46cFQbtuTS4rM";
    assert_eq!(by_id["fingerprint_sha256"], sha);
    let by_fp = gl
        .http_get("/keys", &Attrs::new().set("fingerprint", sha))
        .await
        .unwrap();
    assert_eq!(by_fp["id"], k["id"]);
    assert_eq!(by_fp["user"]["username"], json!("root"));
}
