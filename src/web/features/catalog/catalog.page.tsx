/** Catalog: products and bundles. A bundle shows whether its snapshot is stale, and a product its propagation. */
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Page } from '../../../contracts/index.js';
import { api } from '../../app/api-client.js';
import { keys } from '../../app/query-keys.js';
import { useSession } from '../../app/session.js';
import { useToast } from '../../app/toasts.js';
import { Field, QueryView, formatDate } from '../../app/ui.js';

interface Product {
  id: string;
  sku: string;
  name: string;
  price: string;
  currency: string;
  status: string;
  version: number;
  updatedAt: string;
}
interface Bundle {
  id: string;
  name?: string;
  title?: string;
  version: number;
  stale?: boolean;
  items?: { productId: string; quantity?: number }[];
  [key: string]: unknown;
}
interface Propagation {
  status: 'pending' | 'running' | 'done';
  bundlesStale: number;
  changes: {
    productVersion: number;
    status: string;
    bundlesTotal: number;
    bundlesUpdated: number;
    contentFlagged: number;
  }[];
}

export default function CatalogPage() {
  const session = useSession();
  const products = useQuery({
    queryKey: keys.products,
    queryFn: () => api.get<Page<Product>>('/api/v1/products', { limit: 200 }),
  });
  const bundles = useQuery({
    queryKey: keys.bundles,
    queryFn: () => api.get<Page<Bundle>>('/api/v1/bundles', { limit: 200 }),
  });
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <section>
      <h1>Catalog</h1>
      <h2>Products</h2>
      {session.atLeast('editor') && <NewProduct />}
      <QueryView query={products} isEmpty={(d) => d.items.length === 0} empty="No products yet.">
        {(d) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>SKU</th>
                  <th>Name</th>
                  <th>Price</th>
                  <th>Status</th>
                  <th>Updated</th>
                  <th>Propagation</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((p) => (
                  <tr key={p.id}>
                    <td>{p.sku}</td>
                    <td>{p.name}</td>
                    <td>
                      {p.price} {p.currency}
                    </td>
                    <td>{p.status}</td>
                    <td>{formatDate(p.updatedAt)}</td>
                    <td>
                      {selected === p.id ? (
                        <PropagationView productId={p.id} />
                      ) : (
                        <button type="button" className="secondary small" onClick={() => setSelected(p.id)}>
                          Show
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
      <h2>Bundles</h2>
      <QueryView query={bundles} isEmpty={(d) => d.items.length === 0} empty="No bundles yet.">
        {(d) => (
          <ul className="list">
            {d.items.map((b) => (
              <li key={b.id}>
                <strong>{b.name ?? b.title ?? b.id}</strong> · v{b.version} · {b.items?.length ?? 0} products
                ·{' '}
                {b.stale ? (
                  <span className="badge badge-bad">updating from product changes</span>
                ) : (
                  <span className="badge badge-good">up to date</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </section>
  );
}

function PropagationView({ productId }: { productId: string }) {
  const q = useQuery({
    queryKey: keys.propagation(productId),
    queryFn: () => api.get<Propagation>(`/api/v1/products/${productId}/propagation`),
    refetchInterval: (query) => (query.state.data?.status === 'done' ? false : 1000),
  });
  return (
    <QueryView query={q}>
      {(p) => (
        <span aria-live="polite">
          <span className={`badge ${p.status === 'done' ? 'badge-good' : 'badge-bad'}`}>{p.status}</span>{' '}
          {p.changes[0] && `${p.changes[0].bundlesUpdated}/${p.changes[0].bundlesTotal} bundles`}
        </span>
      )}
    </QueryView>
  );
}

function NewProduct() {
  const [sku, setSku] = useState('');
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const client = useQueryClient();
  const toast = useToast();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post('/api/v1/products', { sku, name, price, currency });
      toast.success(`Product ${sku} created`);
      setSku('');
      setName('');
      setPrice('');
      await client.invalidateQueries({ queryKey: keys.products });
    } catch (err) {
      toast.error(err, 'Product not created');
    }
  };
  return (
    <form className="panel filters" onSubmit={(e) => void submit(e)} aria-label="New product">
      <Field label="SKU">
        {(p) => <input {...p} required value={sku} onChange={(e) => setSku(e.target.value)} />}
      </Field>
      <Field label="Name">
        {(p) => <input {...p} required value={name} onChange={(e) => setName(e.target.value)} />}
      </Field>
      <Field label="Price">
        {(p) => (
          <input
            {...p}
            required
            inputMode="decimal"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
        )}
      </Field>
      <Field label="Currency">
        {(p) => (
          <input
            {...p}
            required
            maxLength={3}
            size={4}
            value={currency}
            onChange={(e) => setCurrency(e.target.value.toUpperCase())}
          />
        )}
      </Field>
      <button type="submit">Add product</button>
    </form>
  );
}
