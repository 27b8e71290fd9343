import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'

// The member centre is served by the Go binary at /m/ from the committed
// dist/ (see embed.go); Vant components are imported on demand to keep the
// first load small.
export default defineConfig({
  base: '/m/',
  plugins: [vue(), Components({ resolvers: [VantResolver()], dts: false })],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2019', reportCompressedSize: true },
  test: { environment: 'node' },
} as any)
