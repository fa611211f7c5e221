"""The `nginx` image: the real nginx serving its default page on port 80.

Every pod gets its own configuration and runtime files under its pod
directory, so pods do not share a pid file, temp paths or logs.
"""

import os
import sys

CONF = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log stderr notice;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log /dev/stdout;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen 80 default_server;
        listen [::]:80 default_server;
        root /usr/share/nginx/html;
        index index.html;
    }}
}}
"""


def main() -> None:
    run = "/run/nginx"  # the container's own /run
    os.makedirs(run, exist_ok=True)
    conf = os.path.join(run, "nginx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(run=run))
    os.execvp("nginx", ["nginx", "-c", conf, "-g", "daemon off;", *sys.argv[1:]])


if __name__ == "__main__":
    main()
