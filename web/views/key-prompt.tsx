import { useState } from 'preact/hooks';

/** Asks for the album's API key; kept for this tab only. Shown again whenever the API answers 401. */
export function KeyPrompt({ rejected, onKey }: { rejected: boolean; onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <section class="key-prompt" aria-labelledby="key-title">
      <h1 id="key-title">This album needs its API key</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onKey(value.trim());
        }}
      >
        <label for="api-key">API key</label>
        {/* A text input masked by CSS rather than type=password: it stays a textbox for assistive tech, and no password manager offers to save it. */}
        <input
          id="api-key"
          class="secret"
          type="text"
          autoComplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          aria-describedby="key-help"
          aria-invalid={rejected}
        />
        <button type="submit">Continue</button>
      </form>
      <p id="key-help" class="muted">
        {rejected ? 'That key was not accepted. ' : ''}The key (ALBUM_API_KEY) is kept in this tab only and
        forgotten when it closes.
      </p>
    </section>
  );
}
