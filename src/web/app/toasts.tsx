/**
 * Toasts: success and failure announcements in an `aria-live` region (polite for success, assertive for errors),
 * so screen readers hear them without moving focus.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { isApiError } from './api-client.js';

export type ToastKind = 'success' | 'error' | 'info';
interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

interface ToastApi {
  show(kind: ToastKind, text: string): void;
  success(text: string): void;
  error(e: unknown, prefix?: string): void;
}

const ToastContext = createContext<ToastApi | null>(null);
let nextId = 1;

export function describeError(e: unknown): string {
  if (isApiError(e)) return `${e.message} (${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const show = useCallback(
    (kind: ToastKind, text: string) => {
      const id = nextId++;
      setToasts((all) => [...all.slice(-4), { id, kind, text }]);
      setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(
    () => ({
      show,
      success: (text) => show('success', text),
      error: (e, prefix) => show('error', prefix ? `${prefix}: ${describeError(e)}` : describeError(e)),
    }),
    [show],
  );
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts">
        <div role="status" aria-live="polite" className="toast-stack">
          {toasts
            .filter((t) => t.kind !== 'error')
            .map((t) => (
              <ToastView key={t.id} toast={t} onClose={dismiss} />
            ))}
        </div>
        <div role="alert" aria-live="assertive" className="toast-stack">
          {toasts
            .filter((t) => t.kind === 'error')
            .map((t) => (
              <ToastView key={t.id} toast={t} onClose={dismiss} />
            ))}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

function ToastView({ toast, onClose }: { toast: Toast; onClose: (id: number) => void }) {
  return (
    <div className={`toast toast-${toast.kind}`}>
      <span>{toast.text}</span>
      <button type="button" className="link" aria-label="Dismiss" onClick={() => onClose(toast.id)}>
        ×
      </button>
    </div>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToast outside ToastProvider');
  return api;
}
