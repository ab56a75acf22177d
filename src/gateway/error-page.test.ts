import assert from "node:assert/strict";
import { test } from "node:test";
import { errorPage } from "./error-page.ts";

test("errorPage(496) is nginx's page byte for byte, sent as 400", () => {
  const p = errorPage(496, { server: "nginx/1.22.1" });
  assert.equal(p.status, 400);
  assert.equal(p.statusText, "Bad Request");
  assert.equal(
    p.body,
    "<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n" +
      "<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n" +
      "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n",
  );
});

test("errorPage(495) names the certificate error and errorPage(502) has no detail line", () => {
  assert.match(
    errorPage(495).body,
    /<title>400 The SSL certificate error<\/title>[\s\S]*<center>The SSL certificate error<\/center>/,
  );
  assert.equal(
    errorPage(502).body,
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>mtlskit</center>\r\n</body>\r\n</html>\r\n",
  );
});

test("errorPage() throws RangeError for a status without a page", () => {
  assert.throws(() => errorPage(418), RangeError);
});
