// A stand-in SMS gateway for the browser tests, following Payam's documented `http` provider
// contract (POST {to, message, code, purpose}). Tests read the last code sent to a number from
// GET /codes?to=<E.164>&purpose=<PURPOSE>.
import { createServer } from 'node:http';

const port = Number(process.env.SMS_GATEWAY_PORT);
const sent = [];

function readJson(request) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      try {
        resolve(JSON.parse(body));
      } catch (error) {
        reject(error);
      }
    });
  });
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
  if (request.method === 'POST' && url.pathname === '/sms') {
    sent.push(await readJson(request));
    response.writeHead(202).end();
    return;
  }
  if (request.method === 'GET' && url.pathname === '/codes') {
    const match = sent.findLast(
      (sms) => sms.to === url.searchParams.get('to') && sms.purpose === url.searchParams.get('purpose'),
    );
    response.writeHead(match ? 200 : 404, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(match ?? null));
    return;
  }
  response.writeHead(request.method === 'GET' ? 200 : 404).end('sms gateway');
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
