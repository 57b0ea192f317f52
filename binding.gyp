# The native parts of cordon, one target each:
#   cordon                 the N-API addon: execve, Landlock probe, peer credentials, macOS cache dir
#   cordon-exec-wrapper    EXEC_WRAPPER: asks the host over the exec socket, then execs or refuses
#   cordon-linux-sandbox   the Linux launcher: no_new_privs, read-only binds, Landlock, seccomp, exec
#   cordon_intercept       libcordon_intercept.so: routes every libc exec through EXEC_WRAPPER
# Every target builds with -Wall -Wextra -Werror and no warnings (node-gyp's
# own -Wno-unused-parameter is taken back out).
{
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
        "native/addon/darwin_user_cache_dir.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "cordon-exec-wrapper",
      "variables": {
        "wrapper_sources": [
          "native/exec-wrapper/main.c",
          "native/exec-wrapper/buffer.c",
          "native/exec-wrapper/utf8.c",
          "native/exec-wrapper/uuid.c",
          "native/exec-wrapper/request.c",
          "native/exec-wrapper/connect.c",
          "native/exec-wrapper/exchange.c",
          "native/exec-wrapper/response.c"
        ]
      },
      "conditions": [
        ["OS=='linux'", {
          # The wrapper starts once per approved exec, so its start-up is on
          # the hot path: it is linked statically (the preloaded interposer
          # never loads into it), against musl when musl-gcc is installed
          # (a static glibc spends about 0.3 ms per start probing the CPU).
          "type": "none",
          "actions": [{
            "action_name": "link_static_wrapper",
            "inputs": ["<@(wrapper_sources)", "native/exec-wrapper/wrapper.h"],
            "outputs": ["<(PRODUCT_DIR)/cordon-exec-wrapper"],
            "action": [
              "<!(sh -c 'command -v musl-gcc || command -v cc')",
              "-std=gnu11", "-O2", "-static", "-Wall", "-Wextra", "-Werror",
              "-o", "<(PRODUCT_DIR)/cordon-exec-wrapper", "<@(wrapper_sources)"
            ]
          }]
        }, {
          "type": "executable",
          "sources": ["<@(wrapper_sources)"]
        }]
      ]
    },
    {
      "target_name": "cordon-linux-sandbox",
      "type": "none",
      "conditions": [
        ["OS=='linux'", {
          "type": "executable",
          "defines": ["_GNU_SOURCE"],
          "sources": [
            "native/linux-sandbox/main.c",
            "native/linux-sandbox/args.c",
            "native/linux-sandbox/report.c",
            "native/linux-sandbox/paths.c",
            "native/linux-sandbox/landlock.c",
            "native/linux-sandbox/seccomp.c",
            "native/linux-sandbox/mounts.c",
            "native/linux-sandbox/placeholders.c",
            "native/linux-sandbox/supervise.c",
            "native/linux-sandbox/exec.c"
          ]
        }]
      ]
    },
    {
      "target_name": "cordon_intercept",
      "type": "none",
      "conditions": [
        ["OS=='linux'", {
          "type": "shared_library",
          "product_prefix": "lib",
          "product_dir": "<(PRODUCT_DIR)",
          "cflags": ["-fvisibility=hidden"],
          "libraries": ["-ldl"],
          "sources": [
            "native/intercept/intercept.c",
            "native/intercept/route.c",
            "native/intercept/rewrite.c",
            "native/intercept/resolve.c",
            "native/intercept/fd-path.c",
            "native/intercept/format.c",
            "native/intercept/wrapper.c",
            "native/intercept/real.c",
            "native/intercept/spawn.c"
          ]
        }]
      ]
    }
  ]
}
