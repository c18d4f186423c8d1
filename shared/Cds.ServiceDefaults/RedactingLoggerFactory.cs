using System.Collections;
using Microsoft.Extensions.Logging;

namespace Cds.ServiceDefaults;

/// <summary>
/// Every logger of the host, whatever its provider (JSON console, OpenTelemetry, a test's capture): messages, state and
/// scope values and exceptions (message and <c>ToString</c>) pass through <see cref="LogRedactor"/> before any provider
/// sees them. Wraps the host's <see cref="LoggerFactory"/> (same providers, filters and scopes).
/// </summary>
internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => state switch
        {
            string text => inner.BeginScope(LogRedactor.Redact(text)),
            IEnumerable<KeyValuePair<string, object?>> pairs => inner.BeginScope(new RedactedState(pairs, state.ToString() ?? "")),
            _ => inner.BeginScope(LogRedactor.Redact(state.ToString())),
        };

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            var redacted = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? new RedactedState(pairs, message)
                : new RedactedState([], message);
            inner.Log(logLevel, eventId, redacted, exception is null ? null : new RedactedException(exception),
                static (s, _) => s.Message);
        }
    }

    /// <summary>The state as providers read it (key/values, <c>{OriginalFormat}</c> included), values scrubbed.</summary>
    private sealed class RedactedState(IEnumerable<KeyValuePair<string, object?>> pairs, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _pairs =
            [.. pairs.Select(p => new KeyValuePair<string, object?>(p.Key, LogRedactor.RedactValue(p.Key, p.Value)))];

        public string Message { get; } = LogRedactor.Redact(message);

        public KeyValuePair<string, object?> this[int index] => _pairs[index];

        public int Count => _pairs.Length;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_pairs).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
