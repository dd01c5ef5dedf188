// Incident 002 (shared/incidents/002-aborted-requests-express.txt) in its own stack: Express and
// mysql2, the connection tied to the request by middleware, released on 'finish' or 'close'.
//
// RELEASE=late  (the incident): the release listeners are attached only after the awaited
//               getConnection(); a client that disconnected meanwhile already emitted 'close',
//               and 'finish' never comes for a destroyed request: the connection leaks.
// RELEASE=early (the fix): the same, plus "if (req.destroyed) release()" before next().
//
// Run by pool-harness as app.command: it listens on $PORT and reaches MySQL through the fault
// proxy at $DB_HOST:$DB_PORT. GET /pool exposes mysql2's pool internals in the harness's shape.
'use strict';
const express = require('express');
const mysql = require('mysql2');

const RELEASE = process.env.RELEASE || 'late';
const POOL_SIZE = Number(process.env.POOL_SIZE || 20);
const pool = mysql.createPool({
  host: process.env.DB_HOST, port: Number(process.env.DB_PORT), user: process.env.DB_USER,
  password: process.env.DB_PASSWORD, database: process.env.DB_NAME,
  connectionLimit: POOL_SIZE, waitForConnections: true, queueLimit: 0,
});
const promisePool = pool.promise();

async function assignConnection(req, res, next) {
  try {
    req.conn = await promisePool.getConnection();
    await req.conn.beginTransaction();
    next();
  } catch (err) {
    next(err);
  }
}

function afterMiddleware(req, res, next) {
  const conn = req.conn;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    conn.rollback().catch(() => {}).finally(() => conn.release());
  };
  res.on('finish', release);
  req.on('close', release);
  if (RELEASE === 'early' && req.destroyed) {  // the fix: the close event may already be gone
    release();
    return;
  }
  next();
}

const app = express();

app.get('/pool', (req, res) => {
  const p = pool;  // mysql2 internals, as incident 004's logPoolStats reads them
  const total = p._allConnections.length;
  const idle = p._freeConnections.length;
  res.json({engine: 'mysql2', max_size: POOL_SIZE, total, active: total - idle, idle,
            waiting: p._connectionQueue.length});
});

app.get('/health', async (req, res) => {
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('health timeout')), 2000));
  try {
    await Promise.race([promisePool.query('SELECT 1'), timeout]);
    res.json({status: 'ok'});
  } catch (err) {
    res.status(503).send(`${err.code || 'HEALTH'}: ${err.message}`);
  }
});

app.get('/query', assignConnection, afterMiddleware, async (req, res, next) => {
  try {
    const id = 1 + Math.floor(Math.random() * 1000);
    const [rows] = await req.conn.query('SELECT id, name, qty FROM items WHERE id = ?', [id]);
    res.json(rows[0] || {});
  } catch (err) {
    next(err);
  }
});

app.use((err, req, res, next) => {  // Express's way: a 500 with the error's code and message, as text
  res.status(500).send(`${err.code || err.name}: ${err.message}`);
});

async function prepareSchema() {
  for (let attempt = 0; ; attempt++) {
    try {
      await promisePool.query('CREATE TABLE IF NOT EXISTS items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, ' +
                              'qty INT NOT NULL) ENGINE=InnoDB');
      const values = Array.from({length: 1000}, (_, i) => [i + 1, `item-${i + 1}`, (i + 1) % 97]);
      await promisePool.query('INSERT IGNORE INTO items (id, name, qty) VALUES ?', [values]);
      return;
    } catch (err) {
      if (attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

prepareSchema().then(() => {
  const server = app.listen(Number(process.env.PORT || 3000), '127.0.0.1', () => {
    console.log(`express-mysql2 example on :${server.address().port}, RELEASE=${RELEASE}, pool ${POOL_SIZE}`);
  });
  process.on('SIGTERM', () => { server.close(); pool.end(() => process.exit(0)); });
}).catch((err) => { console.error(err); process.exit(1); });
