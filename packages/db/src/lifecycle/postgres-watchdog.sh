#!/bin/sh
# Stops the embedded PostgreSQL once the app that started it has ended, however it ended (SIGKILL,
# the OOM killer), so that the database does not outlive its app. The app starts this with a pipe as
# stdin that it never writes to: the kernel closes the pipe when the app's process ends.
#   $1: the data folder   $2: the PostgreSQL's process id

# Ctrl-C and the signals that stop the app are the app's to handle: this waits for its end.
trap '' INT TERM HUP
cat >/dev/null
# Unless that PostgreSQL has stopped already (a clean stop removes postmaster.pid, and a later one
# names another process), stop it as `pg_ctl stop -m fast` would.
read -r holder 2>/dev/null <"$1/postmaster.pid" && [ "$holder" = "$2" ] && kill -INT "$2"
