import { useState } from 'preact/hooks';

/**
 * Asks for the album's API key (or, with many libraries, a library token); kept for this tab only. Shown
 * again whenever the API answers 401.
 */
export function KeyPrompt({
  rejected,
  libraries,
  onKey,
}: {
  rejected: boolean;
  libraries: boolean;
  onKey: (key: string) => void;
}) {
  const what = libraries ? 'API key or library token' : 'API key';
  const [value, setValue] = useState('');
  return (
    <section class="key-prompt" aria-labelledby="key-title">
      <h1 id="key-title">This album needs its {what}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) onKey(value.trim());
        }}
      >
        <label for="api-key">{libraries ? 'API key or token' : 'API key'}</label>
        {/* type=password: the key never shows in clear (CSS masking is Chromium-only); "off" keeps password managers out. */}
        <input
          id="api-key"
          type="password"
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
        {rejected ? 'That key was not accepted. ' : ''}
        {libraries
          ? 'The admin key (ALBUM_API_KEY) opens every library; a token from your app opens its own. '
          : 'The key (ALBUM_API_KEY) '}
        {libraries ? 'It is' : 'is'} kept in this tab only and forgotten when it closes.
      </p>
    </section>
  );
}
