//! Shell completion. The scripts are tiny: they ask the binary itself
//! (`gitlab __complete WORDS…`) for candidates, which come from the catalogue,
//! so completions always match the schema the binary was built from.

use crate::catalog;
use gitlab_client::meta::Operation;

/// Global options that take a value, so the word after them is not a resource.
const VALUE_OPTIONS: [&str; 19] = [
    "-c",
    "--config-file",
    "-g",
    "--gitlab",
    "-o",
    "--output",
    "-f",
    "--fields",
    "--server-url",
    "--private-token",
    "--oauth-token",
    "--job-token",
    "--ssl-verify",
    "--timeout",
    "--api-version",
    "--per-page",
    "--pagination",
    "--order-by",
    "--user-agent",
];

const GLOBAL_FLAGS: [&str; 11] = [
    "--help",
    "--version",
    "--verbose",
    "--debug",
    "--no-ssl-verify",
    "--skip-login",
    "--no-mask-credentials",
    "-v",
    "-d",
    "-h",
    "-o",
];

pub fn script(shell: &str) -> Option<&'static str> {
    match shell {
        "bash" => Some(
            r#"# gitlab completion for bash: eval "$(gitlab completion bash)"
_gitlab_complete() {
    local IFS=$'\n'
    COMPREPLY=($(gitlab __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _gitlab_complete gitlab
"#,
        ),
        "zsh" => Some(
            r#"#compdef gitlab
# gitlab completion for zsh: eval "$(gitlab completion zsh)"
_gitlab() {
    local -a candidates
    candidates=("${(@f)$(gitlab __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    compadd -a candidates
}
compdef _gitlab gitlab
"#,
        ),
        "fish" => Some(
            r#"# gitlab completion for fish: gitlab completion fish | source
function __gitlab_complete
    set -l words (commandline -opc) (commandline -ct)
    gitlab __complete $words[2..-1] 2>/dev/null
end
complete -c gitlab -f -a '(__gitlab_complete)'
"#,
        ),
        _ => None,
    }
}

/// Candidates for the last word of `words` (the words after `gitlab`).
pub fn candidates(words: &[String]) -> Vec<String> {
    let (current, before) = match words.split_last() {
        Some((c, b)) => (c.as_str(), b),
        None => ("", &[][..]),
    };
    // Walk past the global options to the resource and action.
    let mut i = 0;
    let mut positional: Vec<&str> = Vec::new();
    while i < before.len() {
        let w = before[i].as_str();
        if positional.is_empty() && w.starts_with('-') {
            if VALUE_OPTIONS.contains(&w) {
                i += 1;
            }
        } else {
            positional.push(w);
        }
        i += 1;
    }
    if positional.is_empty() && matches!(before.last().map(String::as_str), Some("-o" | "--output"))
    {
        return filter(
            ["legacy", "json", "yaml"].map(String::from).to_vec(),
            current,
        );
    }
    let out: Vec<String> = match positional.as_slice() {
        [] if current.starts_with('-') => GLOBAL_FLAGS
            .iter()
            .chain(VALUE_OPTIONS.iter())
            .map(|s| s.to_string())
            .collect(),
        [] => {
            let mut v: Vec<String> = catalog::resources().into_iter().map(|(n, _)| n).collect();
            v.push("completion".into());
            v
        }
        ["completion"] => vec!["bash".into(), "zsh".into(), "fish".into()],
        [resource] => match catalog::find_resource(resource) {
            Some(meta) => catalog::actions(meta).into_iter().map(|a| a.name).collect(),
            None => Vec::new(),
        },
        [resource, action, ..] if current.starts_with('-') => {
            let Some(meta) = catalog::find_resource(resource) else {
                return Vec::new();
            };
            let Some(a) = catalog::actions(meta)
                .into_iter()
                .find(|a| a.name == *action)
            else {
                return Vec::new();
            };
            let mut v: Vec<String> = catalog::args(meta, a.kind)
                .into_iter()
                .map(|s| format!("--{}", s.long))
                .collect();
            if matches!(a.kind, catalog::Kind::Op(Operation::List)) {
                v.extend(["--page", "--per-page", "--get-all"].map(String::from));
            }
            v.extend(["--sudo", "--help"].map(String::from));
            v
        }
        _ => Vec::new(),
    };
    filter(out, current)
}

fn filter(v: Vec<String>, prefix: &str) -> Vec<String> {
    v.into_iter().filter(|c| c.starts_with(prefix)).collect()
}
