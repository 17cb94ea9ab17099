#!/bin/sh
# Captive-portal emulation for busybox httpd: every request for "/" is redirected to a
# login page on another host, as a hotel or cafe portal does before sign-in.
printf 'HTTP/1.1 302 Found\r\nLocation: http://login.portal.test/welcome?continue=%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' "${HTTP_HOST:-}"
