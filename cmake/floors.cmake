# The benchmarks' C floors (benchmarks/c/): mbedTLS called directly from C, the reference
# that `wss bench` sets the binding against. Built by the same CMake run as wss._core, with
# the same mbedTLS (MBEDTLS_INCLUDE_DIR, MBEDTLS_LIB, MBEDX509_LIB, MBEDCRYPTO_LIB from
# CMakeLists.txt), and installed into the package as small executables under
# wss/bench/_floors/, so that an installed wheel benchmarks without a compiler.
# wss.bench.floors asks each one for its mbedTLS version (`FLOOR --version`) and refuses a
# floor whose version differs from the core's.
#
#   crypto_floor  the crypto benchmark's rows (and the SoftAP benchmark's sessions)
#   tls_floor     a mutual-TLS client (handshake, transfer; wall and CPU time)
#   tls_heap      the core's peak heap during one handshake (a counting calloc/free)
#
# WSS_BENCH_FLOORS=OFF leaves them out (a device build that will never benchmark).

option(WSS_BENCH_FLOORS "Build the benchmarks' C floors into wss/bench/_floors" ON)

if(WSS_BENCH_FLOORS)
  set(_floor_src ${CMAKE_CURRENT_SOURCE_DIR}/benchmarks/c)
  set(_floor_dest wss/bench/_floors)
  set(_floor_libs ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB} pthread)

  add_executable(wss_crypto_floor
    ${_floor_src}/crypto_floor.c ${_floor_src}/crypto_floor_protocomm.c ${_floor_src}/crypto_floor_softap.c)
  set_target_properties(wss_crypto_floor PROPERTIES OUTPUT_NAME crypto_floor)

  add_executable(wss_tls_floor ${_floor_src}/tls_floor.c)
  set_target_properties(wss_tls_floor PROPERTIES OUTPUT_NAME tls_floor)

  foreach(_floor wss_crypto_floor wss_tls_floor)
    target_include_directories(${_floor} PRIVATE ${_floor_src} ${MBEDTLS_INCLUDE_DIR})
    target_link_libraries(${_floor} PRIVATE ${_floor_libs})
    target_compile_options(${_floor} PRIVATE -O2 -Wall)
  endforeach()
  set(_floors wss_crypto_floor wss_tls_floor)

  # tls_heap counts every allocation of mbedTLS and the core through -Wl,--wrap, which only
  # reaches code linked statically: it needs the static archives (libmbedtls.a, ...) of the
  # same mbedTLS, next to the libraries found (or those libraries, when they are archives).
  set(_heap_archives "")
  foreach(_lib ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB})
    get_filename_component(_name ${_lib} NAME_WE)
    get_filename_component(_dir ${_lib} DIRECTORY)
    if(_lib MATCHES "\\.a$")
      list(APPEND _heap_archives ${_lib})
    elseif(EXISTS ${_dir}/${_name}.a)
      list(APPEND _heap_archives ${_dir}/${_name}.a)
    endif()
  endforeach()
  list(LENGTH _heap_archives _heap_count)
  if(_heap_count EQUAL 3)
    file(GLOB _heap_core ${CMAKE_CURRENT_SOURCE_DIR}/csrc/wss_*.c)
    add_executable(wss_tls_heap ${_floor_src}/tls_heap.c ${_heap_core})
    set_target_properties(wss_tls_heap PROPERTIES OUTPUT_NAME tls_heap)
    target_include_directories(wss_tls_heap PRIVATE ${_floor_src} ${CMAKE_CURRENT_SOURCE_DIR}/csrc ${MBEDTLS_INCLUDE_DIR})
    target_link_libraries(wss_tls_heap PRIVATE ${_heap_archives} pthread)
    target_link_options(wss_tls_heap PRIVATE -Wl,--wrap=calloc -Wl,--wrap=free)
    target_compile_options(wss_tls_heap PRIVATE -O2 -Wno-unused-function)
    list(APPEND _floors wss_tls_heap)
  else()
    message(STATUS "wss floors: no static mbedTLS archives beside ${MBEDTLS_LIB}: tls_heap not built "
                   "(the TLS benchmark's heap line will say so)")
  endif()

  install(TARGETS ${_floors} RUNTIME DESTINATION ${_floor_dest})
endif()
