#!/usr/bin/env python3
"""Add-to-cart and checkout latency against a running store (stdlib only).

  flow_bench.py --topology all   --base http://127.0.0.1:18380
  flow_bench.py --topology split --catalog http://127.0.0.1:18400 --cart ... --order ... --user ...

Each of --users threads registers its own shopper, then repeats: add one unit of each of --lines products to the
cart (one request each), check out. All shoppers buy the same products unless --own-products. Latencies are measured per request on persistent connections; p50/p99 are
printed and, with --json, appended to a file.
"""
import argparse, http.client, json, statistics, threading, time, urllib.parse, uuid

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]

class Client:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.prefix = u.path.rstrip('/')
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def call(self, method, path, token=None, body=None, form=False, extra=None):
        headers = dict(extra or {})
        data = None
        if token:
            headers['Authorization'] = 'Bearer ' + token
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body)
                headers['Content-Type'] = 'application/x-www-form-urlencoded'
            else:
                data = json.dumps(body)
                headers['Content-Type'] = 'application/json'
        start = time.perf_counter()
        self.conn.request(method, self.prefix + path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        return response.status, (json.loads(payload) if payload else None), elapsed

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--topology', choices=['all', 'split'], required=True)
    ap.add_argument('--base', default='http://127.0.0.1:8080')
    ap.add_argument('--catalog'); ap.add_argument('--cart'); ap.add_argument('--order'); ap.add_argument('--user')
    ap.add_argument('--users', type=int, default=8)
    ap.add_argument('--iterations', type=int, default=60)
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--lines', type=int, default=1, help='products in each checkout (one add each)')
    ap.add_argument('--own-products', action='store_true',
                    help='each shopper buys products of its own (by default all buy the same ones)')
    ap.add_argument('--json')
    ap.add_argument('--keyed', action='store_true',
                    help='send an Idempotency-Key with each checkout, as the store\'s own clients (Locust) do')
    a = ap.parse_args()
    if a.topology == 'all':
        bases = {s: a.base + p for s, p in
                 [('catalog', '/api'), ('cart', '/cart-api'), ('order', '/order-api'), ('user', '/user-api')]}
    else:
        bases = {'catalog': a.catalog, 'cart': a.cart, 'order': a.order, 'user': a.user}

    user = Client(bases['user'])
    logins = []
    for _ in range(20):  # bcrypt cost 10 on the worker pool: one login, no concurrency
        s, tok, t = user.call('POST', '/token', body={'username': 'swagger_admin', 'password': 'admin123'}, form=True)
        assert s == 200, tok
        logins.append(t * 1000)
    admin = tok['access_token']
    category = 'bench-' + uuid.uuid4().hex[:6]
    catalog = Client(bases['catalog'])

    def products():
        pids = []
        for n in range(a.lines):
            s, product, _ = catalog.call('POST', '/products/', admin, {
                'name': 'Bench widget %d' % n, 'category': category, 'price': 1.0, 'stock_count': 1000000000})
            assert s == 201, product
            pids.append(product['product_id'])
        return pids
    shared = products()
    bought = [products() if a.own_products else shared for _ in range(a.users)]

    adds, checkouts, errors = [], [], []
    lock = threading.Lock()

    def shopper(n):
        name = 'bench_%s_%d' % (uuid.uuid4().hex[:6], n)
        c_user, c_cart = Client(bases['user']), Client(bases['cart'])
        s, body, _ = c_user.call('POST', '/users/register', body={'username': name, 'full_name': 'Bench',
                                                                   'phone': '+100200300', 'password': 'bench-pass'})
        assert s == 200, body
        s, tok, _ = c_user.call('POST', '/token', body={'username': name, 'password': 'bench-pass'}, form=True)
        token = tok['access_token']
        for i in range(a.warmup + a.iterations):
            added = [c_cart.call('POST', '/cart/items', token, {'product_id': pid, 'quantity': 1})
                     for pid in bought[n]]
            s2, b2, t2 = c_cart.call('POST', '/cart/checkout', token,
                                     extra={'Idempotency-Key': uuid.uuid4().hex} if a.keyed else None)
            with lock:
                refused = [(s1, b1) for s1, b1, _ in added if s1 != 200]
                if refused or s2 != 200:
                    errors.append(refused[0] if refused else (s2, b2))
                elif i >= a.warmup:
                    adds.extend(t1 * 1000 for _, _, t1 in added); checkouts.append(t2 * 1000)

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(a.users)]
    started = time.perf_counter()
    [t.start() for t in threads]; [t.join() for t in threads]
    wall = time.perf_counter() - started
    result = {'topology': a.topology, 'users': a.users, 'iterations': a.iterations, 'keyed': a.keyed,
              'lines': a.lines, 'own_products': a.own_products,
              'add_to_cart_ms': {'p50': round(pct(adds, 50), 2), 'p99': round(pct(adds, 99), 2),
                                 'mean': round(statistics.mean(adds), 2)} if adds else None,
              'checkout_ms': {'p50': round(pct(checkouts, 50), 2), 'p99': round(pct(checkouts, 99), 2),
                              'mean': round(statistics.mean(checkouts), 2)} if checkouts else None,
              'login_ms': {'p50': round(pct(logins, 50), 2), 'p99': round(pct(logins, 99), 2)},
              'errors': len(errors), 'wall_s': round(wall, 1)}
    print(json.dumps(result))
    if errors:
        print('first errors:', errors[:3])
    if a.json:
        with open(a.json, 'a') as f:
            f.write(json.dumps(result) + '\n')

if __name__ == '__main__':
    main()
