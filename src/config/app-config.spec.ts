import { InvalidConfigurationError, loadAppConfig } from './app-config.loader';

describe('loadAppConfig', () => {
  it('applies defaults: embedded database, in-process jobs', () => {
    const c = loadAppConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.embeddedDatabase).toBe(true);
    expect(c.inProcessJobs).toBe(true);
    expect(c.LOG_LEVEL).toBe('info');
  });

  it('reads and converts values', () => {
    const c = loadAppConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@h/db',
      REDIS_URL: 'redis://h:6379',
      LOG_LEVEL: 'debug',
    });
    expect(c.PORT).toBe(8080);
    expect(c.embeddedDatabase).toBe(false);
    expect(c.inProcessJobs).toBe(false);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['LOG_LEVEL', 'loud'],
    ['BOOTSTRAP_ADMIN_KEY', 'short'],
  ])('stops on a bad %s, naming it', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(InvalidConfigurationError);
    expect(() => loadAppConfig({ [name]: value })).toThrow(
      new RegExp(`^Invalid configuration:\\n  - ${name}=`),
    );
  });

  it('never echoes a secret value in the error', () => {
    expect(() => loadAppConfig({ BOOTSTRAP_ADMIN_KEY: 'tooshort-secret' })).toThrow(/<redacted>/);
    expect(() => loadAppConfig({ BOOTSTRAP_ADMIN_KEY: 'tooshort-secret' })).not.toThrow(/tooshort-secret/);
  });
});
