#!/usr/bin/env bash
# Install Debian's headless-capable Chromium for the HTML report's browser test (tests/test_report_browser.py).
#
# Installs the `chromium` package with apt-get when no chromium binary is on PATH and we are root;
# otherwise says why it did nothing and exits 0 (the browser test then skips with a reason).
set -u

if command -v chromium >/dev/null 2>&1; then
    echo "install-browser: chromium already installed ($(command -v chromium))"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser: not root; install chromium yourself (sudo apt-get install chromium) to run the browser test"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get on this system; install a chromium binary to run the browser test"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    echo "install-browser: installed $(chromium --version 2>/dev/null || echo chromium)"
else
    echo "install-browser: apt-get could not install chromium; the browser test will be skipped"
fi
exit 0
