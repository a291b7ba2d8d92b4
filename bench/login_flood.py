#!/usr/bin/env python3
"""A login flood beside a shopper, against a running all-in-one store (stdlib only).

  login_flood.py --base http://127.0.0.1:18480 [--attempts 2000] [--clients 50] [--seconds 8]

Three phases, each with a shopper (browse a category page, add to cart) measured alongside:
  quiet       nothing else runs
  one-source  --clients threads send --attempts wrong passwords for one account, all from one address
  spread      the same, each thread posing as its own address (X-Real-IP; the store must trust 127.0.0.1 as a
              proxy) against its own account: every attempt up to the limit is a real bcrypt check
Prints the flood's status counts and the shopper's p50/p99 per phase; --json appends the numbers to a file.
"""
import argparse, http.client, json, threading, time, urllib.parse, uuid


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))] if values else float('nan')


class Client:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def call(self, method, path, token=None, body=None, form=False, headers=None):
        headers = dict(headers or {})
        data = None
        if token:
            headers['Authorization'] = 'Bearer ' + token
        if body is not None:
            data = urllib.parse.urlencode(body) if form else json.dumps(body)
            headers['Content-Type'] = 'application/x-www-form-urlencoded' if form else 'application/json'
        start = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        return response.status, payload, (time.perf_counter() - start) * 1000


def register_and_login(base, name, password):
    c = Client(base)
    c.call('POST', '/user-api/users/register', body={'username': name, 'full_name': name, 'phone': '+100200300',
                                                     'password': password})
    status, payload, _ = c.call('POST', '/user-api/token', body={'username': name, 'password': password}, form=True)
    assert status == 200, (status, payload)
    return json.loads(payload)['access_token']


def shopper(base, token, category, product, stop, samples):
    c = Client(base)
    page = '/api/products/?category=%s&limit=20' % urllib.parse.quote(category)
    while not stop.is_set():
        s, _, ms = c.call('GET', page, token)
        samples['browse'].append(ms)
        s2, _, ms2 = c.call('POST', '/cart-api/cart/items', token, {'product_id': product, 'quantity': 1})
        samples['cart'].append(ms2)
        if s != 200 or s2 != 200:
            samples['errors'] += 1
        time.sleep(0.02)


def flood(base, attempts, clients, spread, victims):
    counts = {}
    lock = threading.Lock()
    per_client = attempts // clients

    def run(i):
        c = Client(base)
        headers = {'X-Real-IP': '198.18.%d.%d' % (i // 250, i % 250 + 1)} if spread else {}
        victim = victims[i % len(victims)]
        for n in range(per_client):
            status, _, _ = c.call('POST', '/user-api/token', body={'username': victim, 'password': 'guess-%d' % n},
                                  form=True, headers=headers)
            with lock:
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts, time.perf_counter() - start


def phase(args, name, token, category, product, flood_args):
    samples = {'browse': [], 'cart': [], 'errors': 0}
    stop = threading.Event()
    t = threading.Thread(target=shopper, args=(args.base, token, category, product, stop, samples))
    t.start()
    if flood_args is None:
        time.sleep(args.seconds)
        counts, took = {}, args.seconds
    else:
        counts, took = flood(args.base, *flood_args)
    stop.set()
    t.join()
    row = {'phase': name, 'flood_statuses': counts, 'flood_seconds': round(took, 2),
           'browse_p50_ms': round(pct(samples['browse'], 50), 2), 'browse_p99_ms': round(pct(samples['browse'], 99), 2),
           'cart_p50_ms': round(pct(samples['cart'], 50), 2), 'cart_p99_ms': round(pct(samples['cart'], 99), 2),
           'shopper_requests': len(samples['browse']) + len(samples['cart']), 'shopper_errors': samples['errors']}
    print(json.dumps(row))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', required=True)
    ap.add_argument('--attempts', type=int, default=2000)
    ap.add_argument('--clients', type=int, default=50)
    ap.add_argument('--seconds', type=float, default=8)
    ap.add_argument('--json')
    args = ap.parse_args()

    run_id = uuid.uuid4().hex[:6]
    admin = Client(args.base)
    status, payload, _ = admin.call('POST', '/user-api/token', body={'username': 'swagger_admin',
                                                                     'password': 'admin123'}, form=True)
    assert status == 200, 'the dev profile demo admin is needed: %s' % payload
    admin_token = json.loads(payload)['access_token']
    category = 'flood-' + run_id
    for i in range(20):
        admin.call('POST', '/api/products/', admin_token, {'name': 'Item %d' % i, 'category': category,
                                                           'price': 10 + i, 'stock_count': 1000000})
    _, payload, _ = admin.call('GET', '/api/products/?category=%s&limit=1' % category, admin_token)
    product = json.loads(payload)['items'][0]['product_id']
    token = register_and_login(args.base, 'shopper_' + run_id, 'shopper-password')
    victims = ['victim_%s_%d' % (run_id, i) for i in range(args.clients)]
    for v in victims:
        register_and_login(args.base, v, 'victim-password')

    rows = [phase(args, 'quiet', token, category, product, None),
            phase(args, 'one-source', token, category, product, (args.attempts, args.clients, False, victims[:1])),
            phase(args, 'spread', token, category, product, (args.attempts, args.clients, True, victims))]
    if args.json:
        with open(args.json, 'a') as out:
            for row in rows:
                out.write(json.dumps(row) + '\n')


if __name__ == '__main__':
    main()
