//! Repository content held in memory, without git: per project a graph of
//! commits, each with the full tree of files it leaves (path → bytes). Shas
//! are made up but stable within a run; diffs, blame, merge bases and archives
//! are computed from the trees.

use bytes::Bytes;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// The files of one commit, by path.
pub(crate) type Tree = BTreeMap<String, Bytes>;

#[derive(Debug, Clone)]
pub(crate) struct Commit {
    pub sha: String,
    pub parents: Vec<String>,
    pub tree: Tree,
    pub message: String,
    pub author_id: u64,
    pub author_name: String,
    pub author_email: String,
    pub date: String,
    /// Creation order within the repository (newest has the highest).
    pub seq: u64,
}

impl Commit {
    pub fn title(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }
}

/// One project's commits.
#[derive(Debug, Default, Clone)]
pub(crate) struct Repo {
    pub commits: HashMap<String, Commit>,
    seq: u64,
}

impl Repo {
    pub fn add(&mut self, mut c: Commit) {
        self.seq += 1;
        c.seq = self.seq;
        self.commits.insert(c.sha.clone(), c);
    }

    /// A commit by full sha or a unique prefix of at least 7 characters.
    pub fn find(&self, key: &str) -> Option<&Commit> {
        if let Some(c) = self.commits.get(key) {
            return Some(c);
        }
        if key.len() < 7 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let mut it = self.commits.values().filter(|c| c.sha.starts_with(key));
        let first = it.next()?;
        it.next().is_none().then_some(first)
    }

    /// `sha` and every commit it descends from, newest first.
    pub fn ancestry(&self, sha: &str) -> Vec<&Commit> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut queue = VecDeque::from([sha.to_string()]);
        while let Some(s) = queue.pop_front() {
            if !seen.insert(s.clone()) {
                continue;
            }
            if let Some(c) = self.commits.get(&s) {
                out.push(c);
                queue.extend(c.parents.iter().cloned());
            }
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.seq));
        out
    }

    pub fn is_ancestor(&self, ancestor: &str, of: &str) -> bool {
        self.ancestry(of).iter().any(|c| c.sha == ancestor)
    }

    /// The newest common ancestor of `a` and `b`.
    pub fn merge_base(&self, a: &str, b: &str) -> Option<&Commit> {
        let of_a: HashSet<&str> = self.ancestry(a).iter().map(|c| c.sha.as_str()).collect();
        self.ancestry(b)
            .into_iter()
            .find(|c| of_a.contains(c.sha.as_str()))
    }
}

/// What happened to one path between two trees.
#[derive(Debug, Clone)]
pub(crate) struct FileChange {
    pub old_path: String,
    pub new_path: String,
    pub new_file: bool,
    pub deleted_file: bool,
    pub diff: String,
}

/// The changed paths from `old` to `new`, in path order, with unified diffs.
pub(crate) fn tree_diff(old: &Tree, new: &Tree) -> Vec<FileChange> {
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut out = Vec::new();
    for p in paths {
        let (a, b) = (old.get(p), new.get(p));
        if a == b {
            continue;
        }
        let text = |x: Option<&Bytes>| x.map(|b| String::from_utf8_lossy(b).into_owned());
        out.push(FileChange {
            old_path: p.clone(),
            new_path: p.clone(),
            new_file: a.is_none(),
            deleted_file: b.is_none(),
            diff: unified_diff(text(a).as_deref(), text(b).as_deref()),
        });
    }
    out
}

/// A unified diff body (`@@ -1,2 +1,3 @@` hunks, no file headers) as GitLab shows it.
pub(crate) fn unified_diff(old: Option<&str>, new: Option<&str>) -> String {
    let a: Vec<&str> = old.map(|s| s.lines().collect()).unwrap_or_default();
    let b: Vec<&str> = new.map(|s| s.lines().collect()).unwrap_or_default();
    let ops = line_ops(&a, &b);
    // One hunk around all changes, with up to three lines of context.
    let first = ops.iter().position(|o| !matches!(o, Op::Same(..)));
    let last = ops.iter().rposition(|o| !matches!(o, Op::Same(..)));
    let (Some(first), Some(last)) = (first, last) else {
        return String::new();
    };
    let start = first.saturating_sub(3);
    let end = (last + 4).min(ops.len());
    let (mut a_start, mut b_start) = (0usize, 0usize);
    for o in &ops[..start] {
        match o {
            Op::Same(..) => {
                a_start += 1;
                b_start += 1;
            }
            Op::Del(_) => a_start += 1,
            Op::Add(_) => b_start += 1,
        }
    }
    let mut body = String::new();
    let (mut a_len, mut b_len) = (0, 0);
    for o in &ops[start..end] {
        match o {
            Op::Same(l) => {
                a_len += 1;
                b_len += 1;
                body.push_str(&format!(" {l}\n"));
            }
            Op::Del(l) => {
                a_len += 1;
                body.push_str(&format!("-{l}\n"));
            }
            Op::Add(l) => {
                b_len += 1;
                body.push_str(&format!("+{l}\n"));
            }
        }
    }
    // Git leaves out a range's length when it is one line (`@@ -0,0 +1 @@`).
    let range = |start: usize, len: usize| match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    };
    format!(
        "@@ -{} +{} @@\n{body}",
        range(a_start, a_len),
        range(b_start, b_len)
    )
}

#[derive(Debug, Clone, Copy)]
enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Add(&'a str),
}

/// A line-level edit script (longest common subsequence); large inputs are
/// diffed as a whole replacement to keep the cost bounded.
fn line_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        return a
            .iter()
            .map(|l| Op::Del(l))
            .chain(b.iter().map(|l| Op::Add(l)))
            .collect();
    }
    let (n, m) = (a.len(), b.len());
    let mut t = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i * (m + 1) + j] = if a[i] == b[j] {
                t[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                t[(i + 1) * (m + 1) + j].max(t[i * (m + 1) + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1] {
            out.push(Op::Del(a[i]));
            i += 1;
        } else {
            out.push(Op::Add(b[j]));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| Op::Del(l)));
    out.extend(b[j..].iter().map(|l| Op::Add(l)));
    out
}

/// For each line of `path` at `head`, the commit that last changed it.
pub(crate) fn blame<'r>(repo: &'r Repo, head: &str, path: &str) -> Vec<(&'r Commit, String)> {
    let history: Vec<&Commit> = repo.ancestry(head);
    let Some(top) = history.first() else {
        return Vec::new();
    };
    let Some(content) = top.tree.get(path) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(content).into_owned();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Walk back along first parents: a line belongs to the oldest commit that still has it unchanged.
    let mut owner: Vec<&Commit> = vec![top; lines.len()];
    let mut current: Vec<Option<usize>> = (0..lines.len()).map(Some).collect();
    let mut cur_commit = *top;
    let mut cur_lines = lines.clone();
    while let Some(parent_sha) = cur_commit.parents.first() {
        let Some(parent) = repo.commits.get(parent_sha) else {
            break;
        };
        let Some(pc) = parent.tree.get(path) else {
            break;
        };
        let ptext = String::from_utf8_lossy(pc).into_owned();
        let plines: Vec<&str> = ptext.lines().collect();
        let clines: Vec<&str> = cur_lines.iter().map(String::as_str).collect();
        let ops = line_ops(&plines, &clines);
        // Map current line index → parent line index for unchanged lines.
        let mut map = vec![None; clines.len()];
        let (mut i, mut j) = (0, 0);
        for o in ops {
            match o {
                Op::Same(_) => {
                    map[j] = Some(i);
                    i += 1;
                    j += 1;
                }
                Op::Del(_) => i += 1,
                Op::Add(_) => j += 1,
            }
        }
        let mut any = false;
        for (k, slot) in current.iter_mut().enumerate() {
            if let Some(idx) = *slot {
                match map.get(idx).copied().flatten() {
                    Some(pi) => {
                        owner[k] = parent;
                        *slot = Some(pi);
                        any = true;
                    }
                    None => *slot = None,
                }
            }
        }
        if !any {
            break;
        }
        cur_commit = parent;
        cur_lines = plines.iter().map(|s| s.to_string()).collect();
    }
    owner.into_iter().zip(lines).collect()
}

/// Applies the changes `base → theirs` onto `ours`, path by path (a conflict
/// takes their side; [`three_way_merge`] reports conflicts instead).
pub(crate) fn merge_trees(base: &Tree, ours: &Tree, theirs: &Tree) -> Tree {
    let mut out = ours.clone();
    for change in tree_diff(base, theirs) {
        match theirs.get(&change.new_path) {
            Some(b) => {
                out.insert(change.new_path, b.clone());
            }
            None => {
                out.remove(&change.old_path);
            }
        }
    }
    out
}

/// Merges `theirs` into `ours` from their common `base`, path by path, as git
/// does for whole files: a path changed on one side takes that side; a path
/// both sides changed differently (edited, added or deleted) is a conflict.
/// Returns the merged tree, or the conflicting paths in path order.
pub(crate) fn three_way_merge(
    base: &Tree,
    ours: &Tree,
    theirs: &Tree,
) -> Result<Tree, Vec<String>> {
    let mut out = ours.clone();
    let mut conflicts = Vec::new();
    for change in tree_diff(base, theirs) {
        let path = change.new_path;
        let (b, o, t) = (base.get(&path), ours.get(&path), theirs.get(&path));
        if o != b && o != t {
            conflicts.push(path);
            continue;
        }
        match t {
            Some(t) => {
                out.insert(path, t.clone());
            }
            None => {
                out.remove(&path);
            }
        }
    }
    if conflicts.is_empty() {
        Ok(out)
    } else {
        Err(conflicts)
    }
}

// ----- archives and digests -------------------------------------------------------

/// The archive formats GitLab serves (`archive.<format>` or `?format=`), by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArchiveFormat {
    Tar,
    TarGz,
    TarBz2,
    Zip,
}

impl ArchiveFormat {
    /// GitLab's spellings (its archive format list): `tar.gz`, `tgz`, `gz`,
    /// `tar.bz2`, `tbz`, `tbz2`, `tb2`, `bz2`, `tar`, `zip`.
    pub fn parse(name: &str) -> Option<ArchiveFormat> {
        Some(match name {
            "tar.gz" | "tgz" | "gz" => ArchiveFormat::TarGz,
            "tar.bz2" | "tbz" | "tbz2" | "tb2" | "bz2" => ArchiveFormat::TarBz2,
            "tar" => ArchiveFormat::Tar,
            "zip" => ArchiveFormat::Zip,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ArchiveFormat::Tar => "application/x-tar",
            ArchiveFormat::TarGz => "application/gzip",
            ArchiveFormat::TarBz2 => "application/x-bzip2",
            ArchiveFormat::Zip => "application/zip",
        }
    }
}

/// The directories below `prefix/` that hold `files`, parents first (`prefix/` itself included).
fn archive_dirs(prefix: &str, files: &Tree) -> Vec<String> {
    let mut dirs: BTreeSet<String> = BTreeSet::from([format!("{prefix}/")]);
    for path in files.keys() {
        let mut acc = format!("{prefix}/");
        let parts: Vec<&str> = path.split('/').collect();
        for p in &parts[..parts.len().saturating_sub(1)] {
            acc.push_str(p);
            acc.push('/');
            dirs.insert(acc.clone());
        }
    }
    dirs.into_iter().collect()
}

/// An archive of `files` below `prefix/` in `format`, entries dated `mtime`
/// (seconds since the epoch).
pub(crate) fn archive(
    format: ArchiveFormat,
    prefix: &str,
    files: &Tree,
    mtime: u64,
) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    match format {
        ArchiveFormat::Tar => tar(prefix, files, mtime, Vec::new()),
        ArchiveFormat::TarGz => {
            let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            tar(prefix, files, mtime, gz)?.finish()
        }
        ArchiveFormat::TarBz2 => {
            let bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            tar(prefix, files, mtime, bz)?.finish()
        }
        ArchiveFormat::Zip => {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let when = zip_time(mtime);
            let dir_opts = zip::write::SimpleFileOptions::default()
                .unix_permissions(0o755)
                .last_modified_time(when);
            let file_opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(0o644)
                .last_modified_time(when);
            for d in archive_dirs(prefix, files) {
                z.add_directory(d, dir_opts)
                    .map_err(std::io::Error::other)?;
            }
            for (path, data) in files {
                z.start_file(format!("{prefix}/{path}"), file_opts)
                    .map_err(std::io::Error::other)?;
                z.write_all(data)?;
            }
            Ok(z.finish().map_err(std::io::Error::other)?.into_inner())
        }
    }
}

/// A ustar stream of `files` below `prefix/` written into `out`, which is returned.
fn tar<W: std::io::Write>(prefix: &str, files: &Tree, mtime: u64, out: W) -> std::io::Result<W> {
    let mut b = tar::Builder::new(out);
    for d in archive_dirs(prefix, files) {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_mtime(mtime);
        h.set_size(0);
        b.append_data(&mut h, &d, std::io::empty())?;
    }
    for (path, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_mtime(mtime);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, format!("{prefix}/{path}"), data.as_ref())?;
    }
    b.into_inner()
}

/// Zip's MS-DOS timestamp for `secs` (zip only spans 1980 to 2107; outside that, 1980-01-01).
fn zip_time(secs: u64) -> zip::DateTime {
    let (y, mo, d) = crate::time::civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    u16::try_from(y)
        .ok()
        .and_then(|y| {
            zip::DateTime::from_date_and_time(
                y,
                mo as u8,
                d as u8,
                (rem / 3600) as u8,
                ((rem / 60) % 60) as u8,
                (rem % 60) as u8,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Git's object id of a blob: SHA-1 of `blob <size>\0<content>`.
pub(crate) fn git_blob_id(data: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", data.len()).as_bytes());
    h.update(data);
    hex(&h.finalize())
}

/// Hex SHA-256 of `data` (the files API's `content_sha256`).
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(data))
}

/// Standard base64 with padding.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Decodes base64 as the files API reads it: standard alphabet, padding
/// optional, whitespace and line breaks ignored; `None` on other bad input.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT.decode(compact).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_and_merge_bases() {
        let d = unified_diff(Some("a\nb\nc\n"), Some("a\nB\nc\nd\n"));
        assert_eq!(d, "@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n");
        assert_eq!(unified_diff(None, Some("x\n")), "@@ -0,0 +1 @@\n+x\n");
        assert_eq!(
            unified_diff(Some("x\n"), Some("y\n")),
            "@@ -1 +1 @@\n-x\n+y\n"
        );
        let mut r = Repo::default();
        let c = |sha: &str, parents: &[&str]| Commit {
            sha: sha.into(),
            parents: parents.iter().map(|s| s.to_string()).collect(),
            tree: Tree::new(),
            message: sha.into(),
            author_id: 1,
            author_name: "a".into(),
            author_email: "a@x".into(),
            date: String::new(),
            seq: 0,
        };
        r.add(c("aaaaaaa1", &[]));
        r.add(c("bbbbbbb2", &["aaaaaaa1"]));
        r.add(c("ccccccc3", &["aaaaaaa1"]));
        assert_eq!(
            r.merge_base("bbbbbbb2", "ccccccc3").unwrap().sha,
            "aaaaaaa1"
        );
        assert!(r.is_ancestor("aaaaaaa1", "ccccccc3"));
        assert_eq!(r.find("bbbbbbb").unwrap().sha, "bbbbbbb2");
    }

    #[test]
    fn three_way_merges_report_conflicts() {
        let t = |files: &[(&str, &str)]| -> Tree {
            files
                .iter()
                .map(|(p, c)| (p.to_string(), Bytes::from(c.to_string())))
                .collect()
        };
        let base = t(&[("a", "1"), ("b", "1")]);
        // Each side changes its own file: both changes land.
        let merged = three_way_merge(
            &base,
            &t(&[("a", "2"), ("b", "1")]),
            &t(&[("a", "1"), ("b", "2")]),
        );
        assert_eq!(merged.unwrap(), t(&[("a", "2"), ("b", "2")]));
        // The same change on both sides is no conflict.
        let same = t(&[("a", "2"), ("b", "1")]);
        assert!(three_way_merge(&base, &same, &same).is_ok());
        // Both sides add the same new path with different content.
        let ours = t(&[("a", "1"), ("b", "1"), ("c", "ours")]);
        let theirs = t(&[("a", "1"), ("b", "1"), ("c", "theirs")]);
        assert_eq!(
            three_way_merge(&base, &ours, &theirs),
            Err(vec!["c".to_string()])
        );
        // One side deletes what the other edits.
        let deleted = t(&[("b", "1")]);
        let edited = t(&[("a", "3"), ("b", "1")]);
        assert_eq!(
            three_way_merge(&base, &deleted, &edited),
            Err(vec!["a".to_string()])
        );
    }
}
