# Guest tests, declared once and run under two hypervisors:
#   guest.NAME  here, by the `osprey` CLI under QEMU with software emulation;
#   kvm.NAME    by tests/kvm, under osprey-monitor on real KVM inside the nested harness
#               (when the monitor is built).
# Both check the same expected exit status and output lines (scripts/run-guest-test).
#
# osprey_guest_test(NAME PROGRAM STATUS [OUTPUT regex...] [ARGS ...] [ENV NAME=VALUE...]
#                   [CLI option...] [MESSAGE regex...] [QEMU_ONLY] [DIRECT [KERNEL_CMDLINE text]])
#   PROGRAM   a Linux program (packed into an image) or an image from `osprey build`;
#   ARGS/ENV  the program's arguments and environment (@EMPTY@ stands for "");
#   CLI       extra `osprey run` options; under the monitor --memory and --cpus carry over,
#             and a test with --machine (QEMU's machine type) is QEMU_ONLY by itself;
#   MESSAGE   lines the CLI or the VMM must say itself (on standard error; the harness
#             records both streams as one, so kvm.NAME looks for them among OUTPUT's);
#   QEMU_ONLY the test is about QEMU itself and has no kvm.NAME twin;
#   DIRECT    PROGRAM is an image booted straight by the kernel with KERNEL_CMDLINE (no
#             CLI, whose own checks would refuse a corrupt image first).
# Each test is recorded in the global property OSPREY_GUEST_TESTS (names) and
# OSPREY_GUEST_TEST_<NAME>_{SPEC,STATUS,OUTPUT}: SPEC is one JSON object that
# tests/kvm/kvm_suite.py reads ({"name", "program", "args", "env", "cli", "direct", "cmdline"}).
set(OSPREY_GUEST_TIMEOUT 240 CACHE STRING "Seconds a guest test may run (software emulation is slow)")

# JSON string literal of `text` (RFC 8259 §7: quote and backslash escaped).
function(osprey_json_string out text)
    string(REPLACE "\\" "\\\\" text "${text}")
    string(REPLACE "\"" "\\\"" text "${text}")
    string(REPLACE "\t" "\\t" text "${text}")
    string(REPLACE "\n" "\\n" text "${text}")
    set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()

# JSON array of strings from the CMake list in the variable named `list_var`.
function(osprey_json_array out list_var)
    set(items)
    foreach(item IN LISTS ${list_var})
        osprey_json_string(quoted "${item}")
        list(APPEND items "${quoted}")
    endforeach()
    list(JOIN items ", " joined)
    set(${out} "[${joined}]" PARENT_SCOPE)
endfunction()

function(osprey_guest_record name program status)
    cmake_parse_arguments(ARG "DIRECT" "KERNEL_CMDLINE;STDIN" "OUTPUT;ARGS;ENV;CLI" ${ARGN})
    osprey_json_string(json_name "${name}")
    osprey_json_string(json_stdin "${ARG_STDIN}")
    osprey_json_string(json_program "${program}")
    osprey_json_array(json_args ARG_ARGS)
    osprey_json_array(json_env ARG_ENV)
    osprey_json_array(json_cli ARG_CLI)
    osprey_json_string(json_cmdline "${ARG_KERNEL_CMDLINE}")
    set(direct false)
    if(ARG_DIRECT)
        set(direct true)
    endif()
    set_property(GLOBAL APPEND PROPERTY OSPREY_GUEST_TESTS ${name})
    set_property(GLOBAL PROPERTY OSPREY_GUEST_TEST_${name}_SPEC
        "{\"name\": ${json_name}, \"program\": ${json_program}, \"args\": ${json_args}, \"env\": ${json_env}, \"cli\": ${json_cli}, \"direct\": ${direct}, \"cmdline\": ${json_cmdline}, \"stdin\": ${json_stdin}}")
    set_property(GLOBAL PROPERTY OSPREY_GUEST_TEST_${name}_STATUS ${status})
    set_property(GLOBAL PROPERTY OSPREY_GUEST_TEST_${name}_OUTPUT "${ARG_OUTPUT}")
endfunction()

function(osprey_guest_test name program status)
    cmake_parse_arguments(ARG "QEMU_ONLY;DIRECT" "KERNEL_CMDLINE;STDIN" "OUTPUT;REJECT;MESSAGE;ARGS;ENV;CLI"
        ${ARGN})
    set(expect)
    foreach(regex ${ARG_OUTPUT})
        list(APPEND expect --expect-output ${regex})
    endforeach()
    foreach(regex ${ARG_REJECT})
        list(APPEND expect --reject-output ${regex})
    endforeach()
    foreach(regex ${ARG_MESSAGE})
        list(APPEND expect --expect-message ${regex})
    endforeach()
    if(ARG_STDIN)
        list(APPEND expect --stdin ${ARG_STDIN})
    endif()
    if(ARG_DIRECT)
        set(cmdline "${ARG_KERNEL_CMDLINE}")
        if(cmdline STREQUAL "")
            set(cmdline @EMPTY@) # an empty list item would vanish
        endif()
        set(command ${CMAKE_SOURCE_DIR}/scripts/qemu-boot $<TARGET_FILE:osprey-kernel.elf> ${program} ${cmdline})
    else()
        set(env_options)
        foreach(assignment ${ARG_ENV})
            list(APPEND env_options --env ${assignment})
        endforeach()
        set(command $<TARGET_FILE:osprey> run --hypervisor qemu-tcg --timeout ${OSPREY_GUEST_TIMEOUT}
            ${env_options} ${ARG_CLI} ${program} -- ${ARG_ARGS})
    endif()
    add_test(NAME guest.${name}
        COMMAND python3 ${CMAKE_SOURCE_DIR}/scripts/run-guest-test --expect-status ${status} ${expect} -- ${command})
    set_tests_properties(guest.${name} PROPERTIES LABELS guest TIMEOUT 300)
    if(NOT ARG_QEMU_ONLY AND NOT "--machine" IN_LIST ARG_CLI)
        set(direct)
        if(ARG_DIRECT)
            set(direct DIRECT KERNEL_CMDLINE "${ARG_KERNEL_CMDLINE}")
        endif()
        osprey_guest_record(${name} ${program} ${status} ${direct} STDIN "${ARG_STDIN}"
            OUTPUT ${ARG_OUTPUT} ${ARG_MESSAGE} ARGS ${ARG_ARGS} ENV ${ARG_ENV} CLI ${ARG_CLI})
    endif()
endfunction()
