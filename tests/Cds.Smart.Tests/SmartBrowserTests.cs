using Microsoft.Playwright;

namespace Cds.Smart.Tests;

/// <summary>
/// Done-when of the issue, in headless Chromium against the local sandbox: a chart page playing Epic shows the card,
/// the click on its SMART link completes the EHR launch to the explanation page (lab values, timeline), and a
/// standalone launch reaches the same page for a patient chosen at Epic's patient picker.
/// </summary>
public sealed class SmartBrowserTests(SmartFixture f) : IClassFixture<SmartFixture>
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Ehr_launch_from_the_card_and_standalone_launch_reach_the_explanation_page()
    {
        Assert.True(File.Exists(Chromium), "Chromium is missing: run `bash infra/local/chromium.sh`");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

        // EHR launch: Epic's chart with the card; the clinician clicks its link.
        await using (var ehr = await browser.NewContextAsync())
        {
            var page = await ehr.NewPageAsync();
            using var epic = new Cds.EpicSandbox.EhrBrowser();
            var chart = await epic.ShowChartAsync(f.Sandbox.BaseUrl, f.Renal.Patient, EhrBrowserExtensions.Response(f.Linked(f.Renal)));
            await page.GotoAsync(chart.ToString());
            await page.ClickAsync("button.smart-link");
            await page.WaitForSelectorAsync("#timeline", new PageWaitForSelectorOptions { Timeout = 30_000 });
            await AssertExplanationAsync(page);
            Assert.True(page.Url.StartsWith(f.BaseUrl + "smart/card", StringComparison.Ordinal), page.Url);
            Assert.Empty(await page.EvaluateAsync<string[]>("() => Object.keys(localStorage)"));
            Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie")); // HttpOnly: no script sees the session
            await Screenshot(page, "smart-ehr-launch.png");
        }

        // Standalone launch: the clinician opens the app, signs in at Epic and picks the patient.
        await using (var standalone = await browser.NewContextAsync())
        {
            var page = await standalone.NewPageAsync();
            await page.GotoAsync(new Uri(f.BaseUrl, "smart/standalone?tenant=sandbox").ToString());
            await page.FillAsync("input[name=username]", Cds.EpicSandbox.SandboxClients.SandboxUser);
            await page.FillAsync("input[name=password]", Cds.EpicSandbox.SandboxClients.SandboxPassword);
            await page.SelectOptionAsync("select[name=patient]", f.Renal.Patient);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForSelectorAsync("#cards", new PageWaitForSelectorOptions { Timeout = 30_000 });
            Assert.DoesNotContain(f.Allergy.Card.Summary, await page.InnerTextAsync("#cards"), StringComparison.Ordinal);
            await page.ClickAsync($"#cards a[href*='{f.Renal.Card.Uuid}']");
            await page.WaitForSelectorAsync("#timeline", new PageWaitForSelectorOptions { Timeout = 30_000 });
            await AssertExplanationAsync(page);
            await Screenshot(page, "smart-standalone-launch.png");
        }
    }

    private async Task AssertExplanationAsync(IPage page)
    {
        Assert.Contains(f.Renal.Card.Summary, await page.InnerTextAsync("#summary"), StringComparison.Ordinal);
        Assert.Contains("Kidney", await page.InnerTextAsync("#patient"), StringComparison.Ordinal);
        var used = await page.InnerTextAsync("#facts tr.used");
        Assert.Contains("eGFR", used, StringComparison.Ordinal);
        Assert.Contains("25 mL/min/1.73m2", used, StringComparison.Ordinal);
        var timeline = await page.InnerTextAsync("#timeline");
        Assert.Contains("cards-returned", timeline, StringComparison.Ordinal);
        Assert.Contains("feedback-received", timeline, StringComparison.Ordinal);
        Assert.Contains("Epic id eDocRefRenal1", await page.InnerTextAsync("body"), StringComparison.Ordinal);
    }

    private static async Task Screenshot(IPage page, string name)
    {
        var file = Path.Combine(Cds.Testing.RepoSources.Root, "artifacts", "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
    }
}
