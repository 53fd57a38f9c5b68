#!/bin/sh
# install-desktop.sh builds EmbedScope's Linux archive with `fyne package`
# (FyneApp.toml: app ID, name, version, icon) and installs it into the
# user's menu: the program in ~/.local/bin, the .desktop entry in
# ~/.local/share/applications, the icon in ~/.local/share/icons.
#
#   scripts/install-desktop.sh               build, then install
#   scripts/install-desktop.sh ARCHIVE       install an archive built before
#   scripts/install-desktop.sh --uninstall   remove what it installed
#
# The build takes a few minutes (a release build of every package). The
# archive is left as EmbedScope.tar.xz at the top of the repository.
set -eu
cd "$(dirname "$0")/.."
FYNE=${FYNE:-"go run fyne.io/tools/cmd/fyne@v1.7.4"}
work=$(mktemp -d)
cp FyneApp.toml "$work/FyneApp.toml.orig"
# fyne package bumps the build number in FyneApp.toml: keep the file as it was.
trap 'cp "$work/FyneApp.toml.orig" FyneApp.toml; rm -rf "$work"' EXIT

archive=EmbedScope.tar.xz
case "${1:-}" in
--uninstall)
	tar -xJf "$archive" -C "$work"
	make -s -C "$work/embedscope" user-uninstall
	echo "EmbedScope removed from ~/.local"
	exit 0 ;;
"")
	echo "Building $archive with fyne package (a few minutes)…"
	$FYNE package --target linux --release
	rm -f embedscope ;;
*)
	archive=$1 ;;
esac

tar -xJf "$archive" -C "$work"
make -s -C "$work/embedscope" user-install
# The icon also where icon themes look first, and the menu caches refreshed.
install -Dm644 "$work/embedscope/usr/local/share/pixmaps/io.github.embedscope.embedscope.png" \
	"$HOME/.local/share/icons/hicolor/256x256/apps/io.github.embedscope.embedscope.png"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$HOME/.local/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$HOME/.local/share/icons/hicolor" || true
desktop="$HOME/.local/share/applications/io.github.embedscope.embedscope.desktop"
echo "Installed: $desktop"
grep '^Exec=' "$desktop"
