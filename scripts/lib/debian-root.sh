# shellcheck shell=bash
# Helpers for the scripts that work in a throwaway Debian 12 root made with debootstrap
# (scripts/package-test.sh, scripts/bare-debian-test.sh). Sourced, never run.
#
# House rule: no mirror's or registry's host name is written into the project. The Debian
# mirror comes from this machine's apt sources, and apt and pip inside the root are set up as on
# this machine: its apt sources, local apt settings, preferences and keys; its local CA
# certificates; its pip configuration files, PIP_* variables and the local paths they name
# (find-links folders, file:// indexes), bind-mounted read-only.
#
# Callers set DR_NAME (prefix of messages) and call dr_cleanup from an EXIT trap: it ends the
# processes still running in the root and unmounts everything dr_* mounted, in reverse order.

DR_NAME="${DR_NAME:-debian-root}"
DR_MOUNTS=()        # mount points, in the order they were mounted
DR_ENV=()           # NAME=value pairs for commands run in the root (dr_run)
DR_ROOTS=()         # roots whose leftover processes dr_cleanup ends

dr_say() { printf '%s: %s\n' "$DR_NAME" "$*"; }
dr_die() { printf '%s: ERROR: %s\n' "$DR_NAME" "$*" >&2; exit 1; }

# dr_apt_install_missing PKG...: apt-get install the packages that are not installed (as root),
# the way scripts/bootstrap.sh does for the project's own.
dr_apt_install_missing() {
  local -a missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  [[ "$(id -u)" == 0 ]] || dr_die "needs these Debian packages: ${missing[*]} (run as root, or apt-get install them)"
  dr_say "installing missing Debian packages: ${missing[*]}"
  local log
  log="$(mktemp -t hallkit-apt.XXXXXX)"
  local -a apt_opts=(-q -y -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
  if ! { DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update \
         && DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install \
              --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    dr_die "apt-get failed (full log: $log)"
  fi
  rm -f "$log"
}

# The machine's apt source files, as apt reads them (other names, e.g. *.disabled, are ignored).
dr_source_files() {
  local f
  [[ -f /etc/apt/sources.list ]] && printf '%s\n' /etc/apt/sources.list
  for f in /etc/apt/sources.list.d/*; do
    [[ -f "$f" && "$(basename "$f")" =~ ^[A-Za-z0-9_.-]+\.(list|sources)$ ]] && printf '%s\n' "$f"
  done
  return 0
}

# "URI SUITE" for every enabled `deb` entry of the machine's apt sources, one-line (*.list) and
# deb822 (*.sources) forms alike.
dr_source_sites() {
  local f
  while read -r f; do
    if [[ "$f" == *.sources ]]; then
      awk '
        function flush(   i, j, nt, nu, ns, t, u, s, isdeb) {
          if (enabled != "no") {
            nt = split(types, t, " "); nu = split(uris, u, " "); ns = split(suites, s, " ")
            isdeb = 0
            for (i = 1; i <= nt; i++) if (t[i] == "deb") isdeb = 1
            if (isdeb) for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
          }
          types = uris = suites = last = ""; enabled = ""
        }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { v = $0; sub(/^[ \t]+/, "", v)
                   if (last == "types") types = types " " v
                   else if (last == "uris") uris = uris " " v
                   else if (last == "suites") suites = suites " " v
                   next }
        { key = tolower($0); sub(/:.*/, "", key); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
          last = key
          if (key == "types") types = v
          else if (key == "uris") uris = v
          else if (key == "suites") suites = v
          else if (key == "enabled") enabled = tolower(v) }
        END { flush() }
      ' "$f"
    else
      sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 {print $2, $3}'
    fi
  done < <(dr_source_files)
}

# dr_mirror SUITE: the site of this machine's apt sources that serves SUITE (e.g. bookworm).
# DEBIAN_MIRROR overrides it.
dr_mirror() {
  local suite="$1" site=""
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "$DEBIAN_MIRROR"
    return 0
  fi
  if command -v apt-get >/dev/null; then
    # shellcheck disable=SC2016  # $(SITE) is apt's template, not the shell's
    site="$(apt-get indextargets --format '$(SITE) $(RELEASE) $(TARGET_OF)' 2>/dev/null \
      | awk -v s="$suite" '$2 == s && $3 == "deb" {print $1; exit}')"
  fi
  [[ -n "$site" ]] || site="$(dr_source_sites | awk -v s="$suite" '$2 == s {print $1; exit}')"
  [[ -n "$site" ]] || return 1
  printf '%s\n' "${site%/}"
}

# Whether no installed package owns the file: the machine's own setting, not a package default
# (those come with the packages in the root, when it has them).
_dr_local_file() { ! dpkg-query -S "$1" >/dev/null 2>&1; }

# dr_copy_apt_config ROOT: this machine's apt sources (when it is Debian 12 too; otherwise the
# root keeps the sources.list debootstrap wrote), its local apt.conf.d settings, preferences,
# keys and the keyrings its sources name.
dr_copy_apt_config() {
  local root="$1" f name codename=""
  codename="$(. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")"
  mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/apt/preferences.d" "$root/etc/apt/sources.list.d" \
    "$root/etc/apt/trusted.gpg.d"
  if [[ "$codename" == bookworm ]] && [[ -n "$(dr_source_files)" ]]; then
    rm -f "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*
    while read -r f; do cp -p "$f" "$root$f"; done < <(dr_source_files)
  fi
  [[ -f /etc/apt/apt.conf ]] && cp -p /etc/apt/apt.conf "$root/etc/apt/apt.conf"
  for f in /etc/apt/apt.conf.d/*; do
    name="$(basename "$f")"
    [[ -f "$f" && "$name" =~ ^[A-Za-z0-9_.-]+$ && ( "$name" != *.* || "$name" == *.conf ) ]] || continue
    _dr_local_file "$f" && cp -p "$f" "$root$f"
  done
  for f in /etc/apt/preferences /etc/apt/preferences.d/*; do
    name="$(basename "$f")"
    [[ -f "$f" && "$name" =~ ^[A-Za-z0-9_.-]+$ && ( "$name" != *.* || "$name" == *.pref ) ]] || continue
    _dr_local_file "$f" && cp -p "$f" "$root$f"
  done
  for f in /etc/apt/trusted.gpg /etc/apt/trusted.gpg.d/* /etc/apt/keyrings/* /etc/apt/auth.conf \
           /etc/apt/auth.conf.d/*; do
    [[ -f "$f" && ! -e "$root$f" ]] || continue
    mkdir -p "$(dirname "$root$f")"
    cp -p "$f" "$root$f"
  done
  # keyrings the copied sources name (Signed-By / signed-by=) that the root lacks
  local key
  while read -r key; do
    [[ -f "$key" && ! -e "$root$key" ]] || continue
    mkdir -p "$(dirname "$root$key")"
    cp -p "$key" "$root$key"
  done < <(dr_source_files | xargs -r grep -hoiE 'signed-by[:=][[:space:]]*/[^][:space:]]+' 2>/dev/null \
           | sed -E 's/^[^:=]*[:=][[:space:]]*//' | sort -u)
  return 0
}

# dr_copy_trust ROOT: this machine's local CA certificates (/usr/local/share/ca-certificates)
# into the root's certificate bundle, so HTTPS through this machine's proxies works there too.
dr_copy_trust() {
  local root="$1"
  [[ -d /usr/local/share/ca-certificates ]] || return 0
  [[ -n "$(find /usr/local/share/ca-certificates -name '*.crt' -print -quit)" ]] || return 0
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  if [[ -x "$root/usr/sbin/update-ca-certificates" ]]; then
    chroot "$root" /usr/sbin/update-ca-certificates >/dev/null 2>&1 \
      || dr_die "update-ca-certificates failed in $root"
  fi
}

# dr_mount TYPE SRC DST [OPTIONS]: mount (type "bind" for a bind mount, "bind-ro" for a
# read-only one), made private so nothing propagates back to this machine; remembered for
# dr_cleanup.
dr_mount() {
  local type="$1" src="$2" dst="$3" opts="${4:-}"
  case "$type" in
    bind | bind-ro)
      if [[ -d "$src" ]]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")"; [[ -e "$dst" ]] || : >"$dst"; fi
      mount --bind "$src" "$dst" || return
      DR_MOUNTS+=("$dst")
      mount --make-private "$dst"
      [[ "$type" == bind-ro ]] && mount -o remount,bind,ro "$dst"
      ;;
    *)
      mkdir -p "$dst"
      mount -t "$type" ${opts:+-o "$opts"} "$src" "$dst" || return
      DR_MOUNTS+=("$dst")
      mount --make-private "$dst"
      ;;
  esac
  return 0
}

# dr_mount_system ROOT: /proc, /sys (read-only), /dev, /dev/pts and a fresh /dev/shm.
dr_mount_system() {
  local root="$1"
  [[ " ${DR_ROOTS[*]} " == *" $root "* ]] || DR_ROOTS+=("$root")
  dr_mount proc proc "$root/proc"
  dr_mount bind-ro /sys "$root/sys"
  dr_mount bind /dev "$root/dev"
  dr_mount bind /dev/pts "$root/dev/pts"
  dr_mount tmpfs tmpfs "$root/dev/shm" mode=1777,nosuid,nodev
}

# Paths named by pip settings: every absolute path or file:// URL in the values. A file://
# index ending in /simple is a PEP 503 index whose pages link to files beside it: its parent.
_dr_pip_paths() {
  local word path
  while read -r word; do
    case "$word" in
      file://*) path="${word#file://}"; path="${path#localhost}" ;;
      /*) path="$word" ;;
      *) continue ;;
    esac
    path="${path%%#*}"
    path="${path%/}"
    [[ "$(basename "$path")" == simple && "$word" == file://* ]] && path="$(dirname "$path")"
    [[ -n "$path" ]] && printf '%s\n' "$path"
  done < <(printf '%s\n' "$1" | tr -s '[:space:]' '\n')
  return 0
}

# dr_pip_setup ROOT: this machine's pip configuration into the root (files at the same places;
# the user's files into /root, as commands there run as root), its PIP_* variables into DR_ENV,
# and the local paths they name bind-mounted read-only where the root lacks them.
dr_pip_setup() {
  local root="$1" f dst name values=""
  local user_conf="${XDG_CONFIG_HOME:-$HOME/.config}/pip/pip.conf"
  local -a pairs=(/etc/pip.conf /etc/pip.conf)
  for f in /etc/xdg/pip/*; do [[ -f "$f" ]] && pairs+=("$f" "$f"); done
  pairs+=("$user_conf" /root/.config/pip/pip.conf "$HOME/.pip/pip.conf" /root/.pip/pip.conf)
  if [[ -n "${PIP_CONFIG_FILE:-}" && -f "$PIP_CONFIG_FILE" ]]; then
    pairs+=("$PIP_CONFIG_FILE" "$PIP_CONFIG_FILE")
  fi
  local i
  for ((i = 0; i < ${#pairs[@]}; i += 2)); do
    f="${pairs[i]}"
    dst="${pairs[i + 1]}"
    [[ -f "$f" ]] || continue
    mkdir -p "$(dirname "$root$dst")"
    cp -p "$f" "$root$dst"
    # values of `key = value` lines and their continuation lines
    values+=" $(sed -nE -e 's/^[[:space:]]*[A-Za-z0-9_-]+[[:space:]]*[=:][[:space:]]*//p' \
                 -e '/^[[:space:]]+[^#;[:space:]]/p' "$f")"
  done
  for name in $(compgen -e | grep '^PIP_' || true); do
    DR_ENV+=("$name=${!name}")
    values+=" ${!name}"
  done
  local path bound
  local -a done_paths=()
  while read -r path; do
    [[ -e "$path" && ! -e "$root$path" ]] || continue
    for bound in "${done_paths[@]}"; do [[ "$path" == "$bound"/* ]] && continue 2; done
    dr_say "pip: $path bind-mounted read-only (named by this machine's pip configuration)"
    dr_mount bind-ro "$path" "$root$path"
    done_paths+=("$path")
  done < <(_dr_pip_paths "$values" | sort -u)
  return 0
}

# dr_run ROOT COMMAND: run a bash command in the root as root, with a clean environment plus
# DR_ENV (HOME=/root, a standard PATH, no locale: what a root shell on a bare machine has).
dr_run() {
  local root="$1"
  shift
  chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${DR_ENV[@]}" \
    /bin/bash -c "$*"
}

# Processes whose root directory is in ROOT (left running by what ran there).
_dr_pids_in() {
  local root="$1" p link
  root="$(readlink -f "$root")"
  for p in /proc/[0-9]*; do
    link="$(readlink "$p/root" 2>/dev/null)" || continue
    [[ "$link" == "$root" || "$link" == "$root"/* ]] && printf '%s\n' "${p#/proc/}"
  done
  return 0
}

_dr_mounted() { awk -v m="$1" '$5 == m {found = 1} END {exit !found}' /proc/self/mountinfo; }

# dr_cleanup: end the processes left in the roots (by their ids, TERM then KILL), then unmount
# everything under them, deepest first, and everything dr_mount mounted, in reverse order.
dr_cleanup() {
  local root i mnt
  local -a pids=()
  for root in "${DR_ROOTS[@]}"; do mapfile -t -O "${#pids[@]}" pids < <(_dr_pids_in "$root"); done
  if ((${#pids[@]})); then
    dr_say "ending processes left in the root: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for i in 1 2 3 4 5 6 7 8 9 10; do
      pids=()
      for root in "${DR_ROOTS[@]}"; do mapfile -t -O "${#pids[@]}" pids < <(_dr_pids_in "$root"); done
      ((${#pids[@]})) || break
      sleep 0.5
    done
    ((${#pids[@]} == 0)) || kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  # mounts made inside the roots by what ran there (deepest first), then ours in reverse
  for root in "${DR_ROOTS[@]}"; do
    root="$(readlink -f "$root")"
    while read -r mnt; do
      [[ " ${DR_MOUNTS[*]} " == *" $mnt "* ]] && continue
      umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done < <(awk -v r="$root/" 'index($5, r) == 1 {print length($5), $5}' /proc/self/mountinfo \
             | sort -rn | cut -d' ' -f2-)
  done
  for ((i = ${#DR_MOUNTS[@]} - 1; i >= 0; i--)); do
    mnt="${DR_MOUNTS[i]}"
    _dr_mounted "$mnt" || continue
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null \
      || printf '%s: WARNING: could not unmount %s\n' "$DR_NAME" "$mnt" >&2
  done
  DR_MOUNTS=()
}
