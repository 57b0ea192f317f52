# The native parts of cordon, one target each:
#   cordon                 the N-API addon: execve, Landlock probe, peer credentials, macOS cache dir,
#                          descriptor-relative open/unlink/list, pipes
#   cordon-exec-wrapper    EXEC_WRAPPER: asks the host over the exec socket, then execs or refuses
#   cordon-linux-sandbox   the Linux launcher: namespaces, read-only binds, Landlock, capabilities, seccomp, exec,
#                          and the exec supervisor that answers its seccomp notifications
# The wrapper and the supervisor share one implementation of the exec bridge
# wire format (native/exec-wire).
# Every target builds with -Wall -Wextra -Werror and no warnings (node-gyp's
# own -Wno-unused-parameter is taken back out).
{
  "variables": {
    # The wrapper starts on every approved exec and the launcher on every
    # sandboxed command, so their start-up is on the hot path. On Linux they
    # are linked statically, against musl when musl-gcc is installed: a
    # static or dynamic glibc spends about 0.3 ms per start probing the CPU.
    # musl ships no kernel headers, so the system's are searched after its own.
    "static_cc": "<!(sh -c 'command -v musl-gcc || command -v cc || command -v gcc')",
    # The executables answer `--version` with this: the package checks a
    # prebuilt or built executable with it before it ever runs one.
    "package_version": "<!(node -p \"require('./package.json').version\")",
    "wire_sources": [
      "native/exec-wire/buffer.c",
      "native/exec-wire/utf8.c",
      "native/exec-wire/base64.c",
      "native/exec-wire/uuid.c",
      "native/exec-wire/request.c",
      "native/exec-wire/connect.c",
      "native/exec-wire/exchange.c",
      "native/exec-wire/response.c",
      "native/exec-wire/ask.c",
      "native/exec-wire/environment.c"
    ],
    "static_cflags": [
      "-std=gnu11", "-O2", "-static", "-Wall", "-Wextra", "-Werror",
      "-DCORDON_VERSION=\"<(package_version)\"",
      "-idirafter", "/usr/include",
      "-idirafter", "/usr/include/<!(sh -c 'cc -print-multiarch 2>/dev/null || true')"
    ]
  },
  "target_defaults": {
    "cflags!": ["-Wno-unused-parameter"],
    "cflags": ["-Wall", "-Wextra", "-Werror"],
    "cflags_cc": ["-Wall", "-Wextra", "-Werror"],
    "xcode_settings": {
      "WARNING_CFLAGS": ["-Wall", "-Wextra", "-Werror"]
    }
  },
  "targets": [
    {
      "target_name": "cordon",
      "sources": [
        "native/addon/addon.cc",
        "native/addon/errno_error.cc",
        "native/addon/execve.cc",
        "native/addon/landlock_abi.cc",
        "native/addon/peer_credentials.cc",
        "native/addon/darwin_user_cache_dir.cc",
        "native/addon/entry_name.cc",
        "native/addon/openat.cc",
        "native/addon/unlinkat.cc",
        "native/addon/read_directory.cc",
        "native/addon/pipe.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "cordon-exec-wrapper",
      "variables": {
        "wrapper_sources": ["native/exec-wrapper/main.c", "<@(wire_sources)"]
      },
      "conditions": [
        ["OS=='linux'", {
          "type": "none",
          "actions": [{
            "action_name": "link_static_wrapper",
            "inputs": ["<@(wrapper_sources)", "native/exec-wire/wire.h"],
            "outputs": ["<(PRODUCT_DIR)/cordon-exec-wrapper"],
            "action": ["<(static_cc)", "<@(static_cflags)", "-o", "<@(_outputs)", "<@(wrapper_sources)"]
          }]
        }, {
          "type": "executable",
          "defines": ["CORDON_VERSION=\"<(package_version)\""],
          "sources": ["<@(wrapper_sources)"]
        }]
      ]
    },
    {
      "target_name": "cordon-linux-sandbox",
      "type": "none",
      "variables": {
        "launcher_sources": [
          "native/linux-sandbox/main.c",
          "native/linux-sandbox/args.c",
          "native/linux-sandbox/report.c",
          "native/linux-sandbox/paths.c",
          "native/linux-sandbox/lifetime.c",
          "native/linux-sandbox/namespaces.c",
          "native/linux-sandbox/placeholders.c",
          "native/linux-sandbox/janitor.c",
          "native/linux-sandbox/limits.c",
          "native/linux-sandbox/init.c",
          "native/linux-sandbox/mounts.c",
          "native/linux-sandbox/devices.c",
          "native/linux-sandbox/readable-root.c",
          "native/linux-sandbox/landlock.c",
          "native/linux-sandbox/capabilities.c",
          "native/linux-sandbox/seccomp.c",
          "native/linux-sandbox/descriptor-passing.c",
          "native/linux-sandbox/listener.c",
          "native/linux-sandbox/descriptors.c",
          "native/linux-sandbox/supervise.c",
          "native/linux-sandbox/exec.c",
          "native/linux-sandbox/exec-socket.c",
          "native/linux-sandbox/supervisor.c",
          "native/linux-sandbox/supervisor-notification.c",
          "native/linux-sandbox/supervisor-memory.c",
          "native/linux-sandbox/supervisor-credentials.c",
          "native/linux-sandbox/supervisor-lookup.c",
          "native/linux-sandbox/supervisor-resolve.c",
          "native/linux-sandbox/supervisor-metadata.c",
          "native/linux-sandbox/supervisor-exec.c",
          "native/linux-sandbox/supervisor-kept.c",
          "native/linux-sandbox/supervisor-session.c",
          "native/linux-sandbox/supervisor-socket.c",
          "native/linux-sandbox/supervisor-send.c",
          "native/linux-sandbox/supervisor-network.c",
          "native/linux-sandbox/supervisor-deny.c",
          "native/linux-sandbox/supervisor-environ.c",
          "native/linux-sandbox/proxy-listen.c",
          "native/linux-sandbox/proxy-forward.c",
          "<@(wire_sources)"
        ]
      },
      "conditions": [
        ["OS=='linux'", {
          "actions": [{
            "action_name": "link_static_launcher",
            "inputs": ["<@(launcher_sources)", "native/linux-sandbox/sandbox.h", "native/linux-sandbox/syscalls.h", "native/linux-sandbox/mount-api.h",
                       "native/linux-sandbox/supervisor.h", "native/exec-wire/wire.h"],
            "outputs": ["<(PRODUCT_DIR)/cordon-linux-sandbox"],
            "action": ["<(static_cc)", "<@(static_cflags)", "-D_GNU_SOURCE", "-pthread", "-o", "<@(_outputs)", "<@(launcher_sources)"]
          }]
        }]
      ]
    }
  ]
}
