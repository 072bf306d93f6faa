//! The file templates a GitLab instance ships with: Dockerfiles, `.gitignore`
//! files, CI/CD configurations and licenses. The names are GitLab's (what
//! clients ask for); the contents are short samples written for the emulator,
//! not GitLab's files.

/// A Dockerfile template: its name, base image and the build steps after `FROM`.
struct Dockerfile(&'static str, &'static str, &'static [&'static str]);

const DOCKERFILES: &[Dockerfile] = &[
    Dockerfile(
        "Binary",
        "alpine:3.20",
        &["COPY app /usr/local/bin/app", "ENTRYPOINT [\"app\"]"],
    ),
    Dockerfile(
        "Binary-alpine",
        "alpine:3.20",
        &[
            "RUN apk add --no-cache ca-certificates",
            "COPY app /usr/local/bin/app",
            "ENTRYPOINT [\"app\"]",
        ],
    ),
    Dockerfile(
        "Binary-scratch",
        "scratch",
        &["COPY app /app", "ENTRYPOINT [\"/app\"]"],
    ),
    Dockerfile(
        "Golang",
        "golang:1.22",
        &[
            "WORKDIR /src",
            "COPY . .",
            "RUN go build -o /usr/local/bin/app ./...",
            "CMD [\"app\"]",
        ],
    ),
    Dockerfile(
        "Golang-alpine",
        "golang:1.22-alpine",
        &[
            "WORKDIR /src",
            "COPY . .",
            "RUN go build -o /usr/local/bin/app ./...",
            "CMD [\"app\"]",
        ],
    ),
    Dockerfile(
        "HTTPd",
        "httpd:2.4",
        &["COPY ./public/ /usr/local/apache2/htdocs/"],
    ),
    Dockerfile(
        "Node",
        "node:20",
        &[
            "WORKDIR /usr/src/app",
            "COPY package*.json ./",
            "RUN npm ci --omit=dev",
            "COPY . .",
            "EXPOSE 3000",
            "CMD [\"npm\", \"start\"]",
        ],
    ),
    Dockerfile(
        "Node-alpine",
        "node:20-alpine",
        &[
            "WORKDIR /usr/src/app",
            "COPY package*.json ./",
            "RUN npm ci --omit=dev",
            "COPY . .",
            "CMD [\"npm\", \"start\"]",
        ],
    ),
    Dockerfile(
        "OpenJDK",
        "eclipse-temurin:21",
        &[
            "WORKDIR /app",
            "COPY target/app.jar app.jar",
            "CMD [\"java\", \"-jar\", \"app.jar\"]",
        ],
    ),
    Dockerfile(
        "OpenJDK-alpine",
        "eclipse-temurin:21-alpine",
        &[
            "WORKDIR /app",
            "COPY target/app.jar app.jar",
            "CMD [\"java\", \"-jar\", \"app.jar\"]",
        ],
    ),
    Dockerfile("PHP", "php:8.3-apache", &["COPY . /var/www/html/"]),
    Dockerfile(
        "Python",
        "python:3.12",
        &[
            "WORKDIR /app",
            "COPY requirements.txt .",
            "RUN pip install --no-cache-dir -r requirements.txt",
            "COPY . .",
            "CMD [\"python\", \"main.py\"]",
        ],
    ),
    Dockerfile(
        "Python-alpine",
        "python:3.12-alpine",
        &[
            "WORKDIR /app",
            "COPY requirements.txt .",
            "RUN pip install --no-cache-dir -r requirements.txt",
            "COPY . .",
            "CMD [\"python\", \"main.py\"]",
        ],
    ),
    Dockerfile(
        "Ruby",
        "ruby:3.3",
        &[
            "WORKDIR /app",
            "COPY Gemfile Gemfile.lock ./",
            "RUN bundle install",
            "COPY . .",
            "CMD [\"ruby\", \"app.rb\"]",
        ],
    ),
    Dockerfile(
        "Ruby-alpine",
        "ruby:3.3-alpine",
        &[
            "WORKDIR /app",
            "COPY Gemfile Gemfile.lock ./",
            "RUN bundle install",
            "COPY . .",
            "CMD [\"ruby\", \"app.rb\"]",
        ],
    ),
    Dockerfile(
        "Rust",
        "rust:1.80",
        &[
            "WORKDIR /src",
            "COPY . .",
            "RUN cargo install --path . --root /usr/local",
            "CMD [\"app\"]",
        ],
    ),
    Dockerfile(
        "Swift",
        "swift:5.10",
        &[
            "WORKDIR /src",
            "COPY . .",
            "RUN swift build -c release",
            "CMD [\".build/release/App\"]",
        ],
    ),
];

/// A `.gitignore` template: its name and the patterns it ignores.
struct Gitignore(&'static str, &'static [&'static str]);

const GITIGNORES: &[Gitignore] = &[
    Gitignore("Actionscript", &["bin-debug/", "bin-release/", "*.swf"]),
    Gitignore(
        "Android",
        &["*.apk", "*.aab", ".gradle/", "build/", "local.properties"],
    ),
    Gitignore("C", &["*.o", "*.a", "*.so", "*.out"]),
    Gitignore("C++", &["*.o", "*.obj", "*.so", "*.dll", "*.exe"]),
    Gitignore(
        "CMake",
        &["CMakeCache.txt", "CMakeFiles/", "cmake_install.cmake"],
    ),
    Gitignore("Dart", &[".dart_tool/", ".packages", "build/"]),
    Gitignore("Elixir", &["/_build", "/deps", "erl_crash.dump"]),
    Gitignore("Go", &["*.exe", "*.test", "*.out", "vendor/"]),
    Gitignore("Gradle", &[".gradle/", "build/", "!gradle-wrapper.jar"]),
    Gitignore("Haskell", &["dist/", "dist-newstyle/", ".stack-work/"]),
    Gitignore("Java", &["*.class", "*.jar", "*.war", "hs_err_pid*"]),
    Gitignore("Julia", &["*.jl.cov", "*.jl.mem", "/Manifest.toml"]),
    Gitignore("Laravel", &["/vendor/", "/node_modules/", ".env"]),
    Gitignore("Maven", &["target/", "pom.xml.tag", "release.properties"]),
    Gitignore(
        "Node",
        &["node_modules/", "npm-debug.log*", ".env", "dist/"],
    ),
    Gitignore(
        "Objective-C",
        &["xcuserdata/", "*.xcuserstate", "DerivedData/"],
    ),
    Gitignore(
        "Python",
        &[
            "__pycache__/",
            "*.py[cod]",
            ".venv/",
            "dist/",
            "*.egg-info/",
        ],
    ),
    Gitignore("R", &[".Rhistory", ".RData", ".Rproj.user/"]),
    Gitignore(
        "Rails",
        &["/log/*", "/tmp/*", "/public/assets", "/config/master.key"],
    ),
    Gitignore(
        "Ruby",
        &["*.gem", "/.bundle/", "/vendor/bundle", "/coverage/"],
    ),
    Gitignore("Rust", &["/target/", "**/*.rs.bk"]),
    Gitignore("Scala", &["target/", "project/target/", ".bsp/"]),
    Gitignore(
        "Swift",
        &[".build/", "xcuserdata/", "*.xcodeproj/project.xcworkspace/"],
    ),
    Gitignore(
        "Terraform",
        &[".terraform/", "*.tfstate", "*.tfstate.*", "crash.log"],
    ),
    Gitignore("Unity", &["/[Ll]ibrary/", "/[Tt]emp/", "/[Bb]uild/"]),
    Gitignore("VisualStudio", &[".vs/", "bin/", "obj/", "*.user"]),
    Gitignore("JetBrains", &[".idea/", "*.iml", "out/"]),
    Gitignore("Linux", &["*~", ".directory", ".Trash-*"]),
    Gitignore("macOS", &[".DS_Store", ".AppleDouble", "._*"]),
    Gitignore(
        "Vim",
        &["[._]*.s[a-v][a-z]", "[._]*.sw[a-p]", "Session.vim"],
    ),
    Gitignore("VisualStudioCode", &[".vscode/*", "!.vscode/settings.json"]),
    Gitignore("Windows", &["Thumbs.db", "Desktop.ini", "$RECYCLE.BIN/"]),
];

/// A CI/CD template: its name, image, build command and test command.
struct CiYml(&'static str, &'static str, &'static str, &'static str);

const GITLAB_CI_YMLS: &[CiYml] = &[
    CiYml(
        "Android",
        "eclipse-temurin:17",
        "./gradlew assembleDebug",
        "./gradlew test",
    ),
    CiYml(
        "Auto-DevOps",
        "alpine:3.20",
        "echo \"Auto DevOps builds the image\"",
        "echo \"Auto DevOps runs the tests\"",
    ),
    CiYml("Bash", "bash:5", "bash -n *.sh", "bash ./test.sh"),
    CiYml("C++", "gcc:14", "make", "make test"),
    CiYml("Clojure", "clojure:lein", "lein compile", "lein test"),
    CiYml(
        "Composer",
        "composer:2",
        "composer install",
        "vendor/bin/phpunit",
    ),
    CiYml(
        "Crystal",
        "crystallang/crystal:latest",
        "shards build",
        "crystal spec",
    ),
    CiYml("Dart", "dart:stable", "dart pub get", "dart test"),
    CiYml(
        "Django",
        "python:3.12",
        "pip install -r requirements.txt",
        "python manage.py test",
    ),
    CiYml(
        "Docker",
        "docker:27",
        "docker build -t app .",
        "docker run --rm app true",
    ),
    CiYml("Elixir", "elixir:1.17", "mix deps.get", "mix test"),
    CiYml(
        "Flutter",
        "ghcr.io/cirruslabs/flutter:stable",
        "flutter pub get",
        "flutter test",
    ),
    CiYml("Go", "golang:1.22", "go build ./...", "go test ./..."),
    CiYml(
        "Gradle",
        "gradle:8-jdk21",
        "gradle build -x test",
        "gradle check",
    ),
    CiYml(
        "Grails",
        "eclipse-temurin:17",
        "./grailsw compile",
        "./grailsw test-app",
    ),
    CiYml(
        "Hugo",
        "hugomods/hugo:latest",
        "hugo",
        "hugo --renderToMemory",
    ),
    CiYml(
        "Jekyll",
        "ruby:3.3",
        "bundle exec jekyll build",
        "bundle exec jekyll doctor",
    ),
    CiYml(
        "Julia",
        "julia:1.10",
        "julia --project -e 'using Pkg; Pkg.instantiate()'",
        "julia --project -e 'using Pkg; Pkg.test()'",
    ),
    CiYml(
        "LaTeX",
        "texlive/texlive:latest",
        "latexmk -pdf main.tex",
        "test -f main.pdf",
    ),
    CiYml("Laravel", "php:8.3", "composer install", "php artisan test"),
    CiYml(
        "Maven",
        "maven:3-eclipse-temurin-21",
        "mvn -B package -DskipTests",
        "mvn -B verify",
    ),
    CiYml(
        "Mono",
        "mono:latest",
        "msbuild /p:Configuration=Release",
        "mono packages/nunit/nunit3-console.exe tests.dll",
    ),
    CiYml("Nodejs", "node:20", "npm ci", "npm test"),
    CiYml("PHP", "php:8.3", "php -l index.php", "vendor/bin/phpunit"),
    CiYml(
        "Python",
        "python:3.12",
        "pip install -r requirements.txt",
        "python -m pytest",
    ),
    CiYml(
        "Ruby",
        "ruby:3.3",
        "bundle install",
        "bundle exec rake test",
    ),
    CiYml(
        "Rust",
        "rust:1.80",
        "cargo build --verbose",
        "cargo test --verbose",
    ),
    CiYml(
        "Scala",
        "sbtscala/scala-sbt:eclipse-temurin-21.0.2_13_1.9.9_3.4.0",
        "sbt compile",
        "sbt test",
    ),
    CiYml("Swift", "swift:5.10", "swift build", "swift test"),
    CiYml(
        "Terraform",
        "hashicorp/terraform:1.9",
        "terraform init",
        "terraform validate",
    ),
    CiYml(
        "dotNET-Core",
        "mcr.microsoft.com/dotnet/sdk:8.0",
        "dotnet build",
        "dotnet test",
    ),
];

/// The template kinds that hold plain `{name, content}` templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dockerfile,
    Gitignore,
    GitlabCiYml,
}

impl Kind {
    /// The kind a path segment names (`dockerfiles`, `gitignores`, `gitlab_ci_ymls`).
    pub fn of(segment: &str) -> Option<Kind> {
        Some(match segment {
            "dockerfiles" => Kind::Dockerfile,
            "gitignores" => Kind::Gitignore,
            "gitlab_ci_ymls" => Kind::GitlabCiYml,
            _ => return None,
        })
    }

    /// The names of this kind's templates, in GitLab's order.
    pub fn names(self) -> Vec<&'static str> {
        match self {
            Kind::Dockerfile => DOCKERFILES.iter().map(|d| d.0).collect(),
            Kind::Gitignore => GITIGNORES.iter().map(|g| g.0).collect(),
            Kind::GitlabCiYml => GITLAB_CI_YMLS.iter().map(|c| c.0).collect(),
        }
    }

    /// The content of the template `name` (exact, as GitLab matches file names).
    pub fn content(self, name: &str) -> Option<String> {
        match self {
            Kind::Dockerfile => DOCKERFILES.iter().find(|d| d.0 == name).map(|d| {
                let mut out = format!("FROM {}\n\n", d.1);
                for line in d.2 {
                    out.push_str(line);
                    out.push('\n');
                }
                out
            }),
            Kind::Gitignore => GITIGNORES.iter().find(|g| g.0 == name).map(|g| {
                let mut out = format!("# {} files to leave out of the repository\n", g.0);
                for line in g.1 {
                    out.push_str(line);
                    out.push('\n');
                }
                out
            }),
            Kind::GitlabCiYml => GITLAB_CI_YMLS.iter().find(|c| c.0 == name).map(|c| {
                format!(
                    "# A {} pipeline: build, then test.\nimage: {}\n\nstages:\n  - build\n  - test\n\nbuild:\n  stage: build\n  script:\n    - {}\n\ntest:\n  stage: test\n  script:\n    - {}\n",
                    c.0, c.1, c.2, c.3
                )
            }),
        }
    }
}

/// A license template, with the facts GitLab lists about it.
pub(crate) struct License {
    pub key: &'static str,
    pub name: &'static str,
    pub nickname: Option<&'static str>,
    /// GitLab's "popular" licenses (`popular=true`).
    pub featured: bool,
    pub spdx: &'static str,
    pub description: &'static str,
    pub conditions: &'static [&'static str],
    pub permissions: &'static [&'static str],
    pub limitations: &'static [&'static str],
}

const USE: &[&str] = &[
    "commercial-use",
    "modifications",
    "distribution",
    "private-use",
];
const USE_PATENTS: &[&str] = &[
    "commercial-use",
    "modifications",
    "distribution",
    "patent-use",
    "private-use",
];
const NO_WARRANTY: &[&str] = &["liability", "warranty"];
const COPYLEFT: &[&str] = &[
    "include-copyright",
    "document-changes",
    "disclose-source",
    "same-license",
];

pub(crate) const LICENSES: &[License] = &[
    License {
        key: "agpl-3.0",
        name: "GNU Affero General Public License v3.0",
        nickname: Some("GNU AGPLv3"),
        featured: false,
        spdx: "AGPL-3.0",
        description: "A strong copyleft license that also counts offering the software over a network as distribution.",
        conditions: &["include-copyright", "document-changes", "disclose-source", "network-use-disclose", "same-license"],
        permissions: USE_PATENTS,
        limitations: NO_WARRANTY,
    },
    License {
        key: "apache-2.0",
        name: "Apache License 2.0",
        nickname: None,
        featured: true,
        spdx: "Apache-2.0",
        description: "A permissive license with an explicit patent grant from the contributors.",
        conditions: &["include-copyright", "document-changes"],
        permissions: USE_PATENTS,
        limitations: &["trademark-use", "liability", "warranty"],
    },
    License {
        key: "bsd-2-clause",
        name: "BSD 2-Clause \"Simplified\" License",
        nickname: None,
        featured: false,
        spdx: "BSD-2-Clause",
        description: "A short permissive license that asks only to keep the copyright notice.",
        conditions: &["include-copyright"],
        permissions: USE,
        limitations: NO_WARRANTY,
    },
    License {
        key: "bsd-3-clause",
        name: "BSD 3-Clause \"New\" or \"Revised\" License",
        nickname: None,
        featured: false,
        spdx: "BSD-3-Clause",
        description: "Like the 2-clause BSD license, and it forbids using the authors' names to promote derived work.",
        conditions: &["include-copyright"],
        permissions: USE,
        limitations: NO_WARRANTY,
    },
    License {
        key: "bsl-1.0",
        name: "Boost Software License 1.0",
        nickname: None,
        featured: false,
        spdx: "BSL-1.0",
        description: "A permissive license that does not require the notice in compiled binaries.",
        conditions: &["include-copyright--source"],
        permissions: USE,
        limitations: NO_WARRANTY,
    },
    License {
        key: "cc0-1.0",
        name: "Creative Commons Zero v1.0 Universal",
        nickname: None,
        featured: false,
        spdx: "CC0-1.0",
        description: "Gives up copyright as far as the law allows, putting the work in the public domain.",
        conditions: &[],
        permissions: USE,
        limitations: &["liability", "trademark-use", "patent-use", "warranty"],
    },
    License {
        key: "epl-2.0",
        name: "Eclipse Public License 2.0",
        nickname: None,
        featured: false,
        spdx: "EPL-2.0",
        description: "A weak copyleft license: changed files stay under it, larger works may use other terms.",
        conditions: &["disclose-source", "include-copyright", "same-license"],
        permissions: USE_PATENTS,
        limitations: NO_WARRANTY,
    },
    License {
        key: "gpl-2.0",
        name: "GNU General Public License v2.0",
        nickname: Some("GNU GPLv2"),
        featured: false,
        spdx: "GPL-2.0",
        description: "A strong copyleft license: distributed derived work must be released under the same terms.",
        conditions: COPYLEFT,
        permissions: USE,
        limitations: NO_WARRANTY,
    },
    License {
        key: "gpl-3.0",
        name: "GNU General Public License v3.0",
        nickname: Some("GNU GPLv3"),
        featured: true,
        spdx: "GPL-3.0",
        description: "A strong copyleft license with a patent grant: distributed derived work keeps the same terms.",
        conditions: COPYLEFT,
        permissions: USE_PATENTS,
        limitations: NO_WARRANTY,
    },
    License {
        key: "lgpl-2.1",
        name: "GNU Lesser General Public License v2.1",
        nickname: Some("GNU LGPLv2.1"),
        featured: false,
        spdx: "LGPL-2.1",
        description: "A copyleft license for libraries that larger works may link without taking its terms.",
        conditions: &["include-copyright", "disclose-source", "document-changes", "same-license--library"],
        permissions: USE,
        limitations: NO_WARRANTY,
    },
    License {
        key: "mit",
        name: "MIT License",
        nickname: None,
        featured: true,
        spdx: "MIT",
        description: "A short permissive license that asks only to keep the copyright and license notice.",
        conditions: &["include-copyright"],
        permissions: USE,
        limitations: NO_WARRANTY,
    },
    License {
        key: "mpl-2.0",
        name: "Mozilla Public License 2.0",
        nickname: None,
        featured: false,
        spdx: "MPL-2.0",
        description: "A file-level copyleft license: changed files stay open, the rest may use other terms.",
        conditions: &["disclose-source", "include-copyright", "same-license--file"],
        permissions: USE_PATENTS,
        limitations: &["liability", "trademark-use", "warranty"],
    },
    License {
        key: "unlicense",
        name: "The Unlicense",
        nickname: None,
        featured: false,
        spdx: "Unlicense",
        description: "Dedicates the work to the public domain, without conditions.",
        conditions: &[],
        permissions: USE,
        limitations: NO_WARRANTY,
    },
];

impl License {
    pub fn html_url(&self) -> String {
        format!("http://choosealicense.com/licenses/{}/", self.key)
    }

    pub fn source_url(&self) -> String {
        format!("https://spdx.org/licenses/{}.html", self.spdx)
    }

    /// The template text, with GitLab's `[year]`, `[fullname]` and `[project]`
    /// placeholders still in it.
    pub fn content(&self) -> String {
        format!(
            "{}\n\nCopyright (c) [year] [fullname]\n\n[project] is licensed under the {} ({}).\nThis short notice stands in for the license text; the full terms are at\n{}\n",
            self.name,
            self.name,
            self.spdx,
            self.source_url()
        )
    }
}
