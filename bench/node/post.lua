-- wrk script: POST a small body to the actor endpoint
wrk.method = "POST"
wrk.body = "tea"
wrk.headers["Content-Type"] = "application/octet-stream"
