using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.Store.Resp;

/// <summary>
/// Opens a <see cref="RespConnection"/>: TCP connect, optional TLS handshake, then <c>AUTH</c> and
/// <c>SELECT</c>, all within <see cref="RedisStoreOptions.ConnectTimeout"/>.
/// </summary>
internal sealed class RespConnector
{
    private readonly RedisStoreOptions _options;
    private readonly RespEndpoint _endpoint;
    private readonly TimeProvider _time;
    private readonly X509Certificate2Collection? _trustedRoots;

    public RespConnector(RedisStoreOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _time = timeProvider;
        _endpoint = RespEndpoint.TryParse(options.Endpoint, out var endpoint)
            ? endpoint.Value
            : throw new ArgumentException($"Redis endpoint '{options.Endpoint}' is not host:port.", nameof(options));
        if (options.UseTls && !string.IsNullOrEmpty(options.CaCertificatePath))
        {
            _trustedRoots = [];
            _trustedRoots.ImportFromPemFile(options.CaCertificatePath);
        }
    }

    public string Endpoint => _endpoint.ToString();

    public async Task<RespConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        RespConnection? connection = null;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(_endpoint.Host, _endpoint.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (_options.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(CreateTlsOptions(), timeout.Token).ConfigureAwait(false);
            }

            connection = new RespConnection(socket, stream, Endpoint);
            connection.Start();
            await HandshakeAsync(connection, timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeAsync(connection, socket).ConfigureAwait(false);
            throw new TimeoutException($"Connecting to Redis at {Endpoint} took longer than {_options.ConnectTimeout.TotalMilliseconds:0} ms.", ex);
        }
        catch
        {
            await DisposeAsync(connection, socket).ConfigureAwait(false);
            throw;
        }
    }

    private static async ValueTask DisposeAsync(RespConnection? connection, Socket socket)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        socket.Dispose();
    }

    private async Task HandshakeAsync(RespConnection connection, CancellationToken cancellationToken)
    {
        var replies = new List<(string Step, RespPendingRequest Request)>(2);
        if (!string.IsNullOrEmpty(_options.Password))
        {
            var auth = new RespArguments().Add("AUTH"u8);
            if (!string.IsNullOrEmpty(_options.User))
            {
                auth.Add(_options.User);
            }

            auth.Add(_options.Password);
            replies.Add(("authentication", connection.Submit(RespCommand.Create(auth))));
        }

        if (_options.Database != 0)
        {
            replies.Add(($"SELECT {_options.Database}", connection.Submit(RespCommand.Create(new RespArguments().Add("SELECT"u8).Add(_options.Database)))));
        }

        replies.Add(("PING", connection.Submit(RespCommand.Create(new RespArguments().Add("PING"u8)))));
        foreach (var (step, request) in replies)
        {
            var reply = await request.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Kind == RespKind.Error)
            {
                // The server's text never contains the password; it names the failure (WRONGPASS, NOAUTH...).
                throw new RespErrorException($"Redis at {Endpoint} refused {step}: {reply.AsString()}");
            }
        }
    }

    private SslClientAuthenticationOptions CreateTlsOptions()
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = string.IsNullOrEmpty(_options.TlsServerName) ? _endpoint.Host : _options.TlsServerName,
        };
        if (_options.AllowUntrustedCertificate)
        {
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (_trustedRoots is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_trustedRoots);
            options.CertificateChainPolicy = policy;
        }

        return options;
    }
}
