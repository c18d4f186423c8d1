using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.EpicSandbox.Conformance;

namespace Cds.EpicSandbox;

/// <summary>
/// `serve [--port 5180] [--environment NonProduction|Production] [--page-size 10] [--token-lifetime 3600] [--ignore-count] [--data DIR]`
/// `drive --cds URL --hook patient-view|order-select|order-sign --patient ID [--med amoxicillin]... [--feedback accepted|overridden]
///        [--feedback-shape epic|spec] [--sandbox http://127.0.0.1:5180/] [--aud URL] [--launch]`
/// </summary>
internal static class SandboxProgram
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            var command = args.Length == 0 || args[0].StartsWith('-') ? "serve" : args[0];
            var options = Options(args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args);
            return command switch
            {
                "serve" => await ServeAsync(options),
                "drive" => await DriveAsync(options),
                _ => Usage($"unknown command '{command}'"),
            };
        }
        catch (ArgumentException e)
        {
            return Usage(e.Message);
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"error: HTTP call failed: {e.Message}");
            return 1;
        }
        catch (TaskCanceledException)
        {
            Console.Error.WriteLine("error: HTTP call timed out");
            return 1;
        }
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"error: {problem}");
        Console.Error.WriteLine("usage: serve [--port 5180] [--environment NonProduction|Production] [--page-size N] [--token-lifetime SECONDS] [--ignore-count] [--data DIR]");
        Console.Error.WriteLine("       drive --cds http://127.0.0.1:5080/cds-services/ --hook order-select --patient ID [--med amoxicillin] [--feedback overridden] [--feedback-shape epic|spec] [--sandbox http://127.0.0.1:5180/] [--service ID] [--aud URL] [--print-curl] [--launch]");
        Console.Error.WriteLine("       patients: " + string.Join(", ", SandboxPatients.Aliases.Keys) + "; meds: " + string.Join(", ", DraftMedication.Known.Select(k => k.Key)));
        return 2;
    }

    private static Dictionary<string, List<string>> Options(string[] args)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            var name = args[i][2..];
            var value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            if (!result.TryGetValue(name, out var list))
            {
                result[name] = list = [];
            }

            list.Add(value);
        }

        return result;
    }

    private static string? One(Dictionary<string, List<string>> o, string name) => o.TryGetValue(name, out var v) ? v[^1] : null;

    private static int Int(Dictionary<string, List<string>> o, string name, int fallback) =>
        One(o, name) is { } s ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"--{name} must be a number") : fallback;

    private static async Task<int> ServeAsync(Dictionary<string, List<string>> o)
    {
        var settings = new SandboxSettings
        {
            Port = Int(o, "port", 5180),
            Environment = Enum.TryParse<SandboxEnvironment>(One(o, "environment") ?? "NonProduction", true, out var env) ? env : throw new ArgumentException("--environment must be NonProduction or Production"),
            MaxPageSize = Int(o, "page-size", 10),
            AccessTokenLifetime = TimeSpan.FromSeconds(Int(o, "token-lifetime", 3600)),
            CountMode = o.ContainsKey("ignore-count") ? CountMode.Ignore : CountMode.Ceiling,
            DataDirectory = One(o, "data"),
            ConsoleLogging = true,
        };
        await using var server = await EpicSandboxServer.StartAsync(settings);
        Console.WriteLine($"Epic sandbox ({settings.Environment}) on {server.BaseUrl}");
        Console.WriteLine($"  FHIR base       {server.FhirBaseUrl}");
        Console.WriteLine($"  token endpoint  {server.TokenEndpoint}");
        Console.WriteLine($"  hook JWKS (jku) {server.HookJwksUrl}");
        Console.WriteLine($"  backend client  {SandboxClients.NonProdClientId} (nonprod) / {SandboxClients.ProdClientId} (prod), kid {SandboxClients.KeyId}, key {SandboxClients.PrivateKeyPemPath}");
        Console.WriteLine($"  CDS client (hook JWT sub) {SandboxClients.CdsHooksClientId}");
        Console.WriteLine("Ctrl+C to stop.");
        await server.WaitForShutdownAsync();
        return 0;
    }

    private static async Task<int> DriveAsync(Dictionary<string, List<string>> o)
    {
        var cds = One(o, "cds") ?? throw new ArgumentException("--cds is required");
        var hook = One(o, "hook") ?? "patient-view";
        var patient = SandboxPatients.Resolve(One(o, "patient") ?? throw new ArgumentException("--patient is required (an id or one of: " + string.Join(", ", SandboxPatients.Aliases.Keys) + ")"));
        var meds = (o.TryGetValue("med", out var m) ? m : []).Select(DraftMedication.Parse).ToList();
        if (hook is "order-select" or "order-sign" && meds.Count == 0)
        {
            throw new ArgumentException($"{hook} needs at least one --med ({string.Join(", ", DraftMedication.Known.Select(k => k.Key))})");
        }

        var sandboxUrl = new Uri(One(o, "sandbox") ?? "http://127.0.0.1:5180/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        EpicSandboxServer? local = null;
        EpicHookDriver driver;
        if (!await IsUpAsync(http, sandboxUrl))
        {
            try
            {
                local = await EpicSandboxServer.StartAsync(new SandboxSettings { Port = sandboxUrl.Port });
            }
            catch (IOException)
            {
                // The port is taken: a sandbox that is still starting (or something else). Wait for it to answer.
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (!await IsUpAsync(http, sandboxUrl))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        Console.Error.WriteLine($"error: port {sandboxUrl.Port} is in use but no sandbox answers at {sandboxUrl}");
                        return 1;
                    }

                    await Task.Delay(500);
                }
            }
        }

        if (local is null)
        {
            driver = new EpicHookDriver(sandboxUrl, new Uri(cds), http);
            Console.Error.WriteLine($"using the sandbox at {sandboxUrl}");
        }
        else
        {
            driver = new EpicHookDriver(local, new Uri(cds), http);
            Console.Error.WriteLine($"no sandbox at {sandboxUrl}: started one in this process at {local.BaseUrl} (it stops when this command ends)");
        }

        try
        {
            driver.Audience = One(o, "aud");
            // The answer is printed first, then checked below (a strict driver would throw before printing it).
            driver.Strict = false;
            var request = hook switch
            {
                "patient-view" => driver.BuildPatientView(patient),
                "order-select" => driver.BuildOrderSelect(patient, meds),
                "order-sign" => driver.BuildOrderSign(patient, meds),
                _ => throw new ArgumentException($"unknown hook '{hook}' (patient-view, order-select, order-sign)"),
            };
            var serviceId = One(o, "service") ?? hook;
            if (o.ContainsKey("print-curl"))
            {
                var file = Path.Combine(Path.GetTempPath(), $"epic-{hook}-{Guid.NewGuid():N}.json");
                await File.WriteAllTextAsync(file, request.ToJsonString());
                var url = new Uri(driver.CdsServicesBaseUrl, serviceId);
                Console.WriteLine("# the same call by hand (the JWT is valid for 15 minutes; a jti is accepted once):");
                Console.WriteLine($"curl -sS -X POST '{url}' -H 'Content-Type: application/json' -H 'Authorization: Bearer {driver.SignHookJwt(driver.Audience ?? url.ToString())}' --data @{file}");
            }

            using var response = await driver.SendAsync(serviceId, request);
            var body = await response.Content.ReadAsStringAsync();
            Console.WriteLine($"{hook} -> {(int)response.StatusCode} {response.StatusCode}");
            JsonNode? cards = null;
            try
            {
                cards = JsonNode.Parse(body);
                Console.WriteLine(cards?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            catch (JsonException)
            {
                Console.WriteLine(body);
            }

            if (!response.IsSuccessStatusCode)
            {
                return 1;
            }

            // Like a strict Epic: an answer that breaks the CDS Hooks 2.0 response schema is an error.
            var violations = CdsHooksSchema.Validate(CdsHooksDocument.Response, body);
            Console.WriteLine(CdsHooksSchema.Summary(CdsHooksDocument.Response, violations));
            if (violations.Count > 0)
            {
                return 1;
            }

            if (o.ContainsKey("launch") && await LaunchAsync(local?.BaseUrl ?? sandboxUrl, patient, cards as JsonObject) != 0)
            {
                return 1;
            }

            if (One(o, "feedback") is { } outcome)
            {
                var card = cards?["cards"]?.AsArray().FirstOrDefault();
                if (card is null)
                {
                    Console.Error.WriteLine("no card came back: no feedback sent");
                    return 1;
                }

                var shape = string.Equals(One(o, "feedback-shape"), "spec", StringComparison.OrdinalIgnoreCase) ? FeedbackShape.Spec : FeedbackShape.Epic;
                var suggestions = card["suggestions"]?.AsArray().Select(s => (string?)s?["uuid"]).OfType<string>().Take(1).ToList() ?? [];
                var feedback = driver.BuildFeedback((string?)card["uuid"] ?? "", outcome, shape, suggestions,
                    overrideReasonCode: outcome == "overridden" ? "45" : null, overrideReasonDisplay: outcome == "overridden" ? "Does not meet criteria" : null,
                    userComment: outcome == "overridden" ? "Sandbox demo override" : null);
                using var fb = await driver.SendFeedbackAsync(serviceId, feedback);
                Console.WriteLine($"feedback ({outcome}, {shape} shape) -> {(int)fb.StatusCode} {fb.StatusCode}");
                return fb.IsSuccessStatusCode ? 0 : 1;
            }

            return 0;
        }
        finally
        {
            if (local is not null)
            {
                await local.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// `--launch`: prints the first card's SMART link, shows the card on the sandbox's chart page (to click in a browser),
    /// then clicks it as Epic would — launch token, the app's authorize with PKCE, the sandbox's code, the app's page —
    /// and prints the hops (paths only: queries carry codes) and the facts the page highlights.
    /// </summary>
    private static async Task<int> LaunchAsync(Uri sandbox, string patient, JsonObject? answer)
    {
        var card = answer?["cards"]?.AsArray().FirstOrDefault(c => c?["links"]?.AsArray().Any(l => (string?)l?["type"] == "smart") == true);
        if (card is null)
        {
            Console.Error.WriteLine("no card with a SMART link came back: set SmartApp:LaunchUrl and SmartApp:AppContextKey on the hooks service");
            return 1;
        }

        var link = card["links"]!.AsArray().First(l => (string?)l?["type"] == "smart")!;
        Console.WriteLine($"smart link: \"{(string?)link["label"]}\" -> {(string?)link["url"]} (appContext sealed, {((string?)link["appContext"])?.Length} characters)");
        using var browser = new EhrBrowser();
        var response = new JsonObject { ["cards"] = new JsonArray(card.DeepClone()) };
        Console.WriteLine($"open in a browser: {await browser.ShowChartAsync(sandbox, patient, response)} (Epic's chart with the card; click its link)");
        var (status, body, url) = await browser.EhrLaunchAsync(sandbox, patient, response);
        Console.WriteLine("EHR launch as Epic: " + string.Join(" -> ", browser.Visited.Select(u => u.GetLeftPart(UriPartial.Path))));
        Console.WriteLine($"explanation page: {(int)status} {url.GetLeftPart(UriPartial.Path)}");
        foreach (System.Text.RegularExpressions.Match used in System.Text.RegularExpressions.Regex.Matches(body, "<tr class=used>(.*?)</tr>"))
        {
            Console.WriteLine("  the rule used: " + System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(used.Groups[1].Value, "<[^>]+>", " ")).Trim());
        }

        return status == System.Net.HttpStatusCode.OK ? 0 : 1;
    }

    private static async Task<bool> IsUpAsync(HttpClient http, Uri sandbox)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var r = await http.GetAsync(new Uri(sandbox, "_sandbox/info"), cts.Token);
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }
}
